"""Phrase templates for the example study's free-text answers (all invented).

Syntax: ``{a|b|}`` picks one alternative (possibly empty); ``<role>``, ``<place>``, ``<event>``,
``<peers>`` are filled from the respondent's profession. Pools are keyed by question and by the
valence the sentence carries; the theme tag (a code id of the default codebook) is documentation
for the reader, the generator does not need it. British spelling throughout.
"""

from __future__ import annotations

# profession code -> context words
CONTEXT = {
    1: {"role": ("midwife", "band 6 midwife", "community midwife"),
        "place": ("on the labour ward", "on the ward", "on shift", "on a night shift"),
        "event": ("a difficult birth", "a PPH", "a stillbirth I was involved in",
                  "an emergency section", "a shoulder dystocia"),
        "peers": ("the other midwives", "my team", "the MCAs and midwives")},
    2: {"role": ("doctor", "FY2", "junior doctor", "registrar"),
        "place": ("on call", "on the ward", "in ED", "on nights"),
        "event": ("a patient deteriorating overnight", "a missed fracture",
                  "a death on my ward", "a really difficult conversation with a family"),
        "peers": ("the other juniors", "my FY colleagues", "the team")},
    3: {"role": ("paramedic", "newly qualified paramedic", "paramedic"),
        "place": ("on the road", "on shift", "on the ambulance", "on nights"),
        "event": ("a cardiac arrest", "a paediatric job", "a bad RTC",
                  "a job that went badly wrong", "a sudden infant death"),
        "peers": ("my crewmate", "the other crews", "my crewmates")},
    4: {"role": ("PA student", "physician associate student", "student PA"),
        "place": ("on placement", "on the wards", "on my GP placement"),
        "event": ("my first death on placement", "being shouted at by a consultant",
                  "a patient complaint about me", "a cardiac arrest on placement"),
        "peers": ("the other PA students", "my cohort", "my placement buddy")},
    5: {"role": ("sonography student", "student sonographer"),
        "place": ("on placement", "in the scan room", "in clinic"),
        "event": ("giving bad news at an early pregnancy scan", "a missed miscarriage scan",
                  "an upsetting scan", "a scan where I missed something"),
        "peers": ("the other students", "my cohort", "the sonographers I work with")},
    6: {"role": ("mammography student", "student mammographer"),
        "place": ("on placement", "in the breast unit", "in clinic"),
        "event": ("a patient getting very upset during a mammogram", "a recall appointment",
                  "a really difficult patient", "a patient who fainted"),
        "peers": ("the other students", "my cohort", "the radiographers")},
}

STUDENT_PROFESSIONS = (4, 5, 6)

CONNECTORS_MIXED = (
    " but ", ", but ", ". But ", ". However, ", " - only thing is ", ", although ",
    ". On the other hand, ", " though ", ". Saying that, ", " but ", ", but ",
)

EMPTY_TOKENS = ("n/a", "N/A", "-", "nothing", "none", "no", "na", ".", "Nil", "N/a")

MISSPELLINGS = {
    "definitely": "definately", "really": "realy", "useful": "usefull", "receive": "recieve",
    "separate": "seperate", "because": "becuase", "necessary": "neccessary",
    "environment": "enviroment", "which": "wich", "probably": "probly", "interesting": "intresting",
    "beginning": "begining", "colleagues": "collegues", "exercise": "excercise",
}

# --- question pools: (theme, template) ----------------------------------------------------

USEFUL_POS = (
    ("techniques_tools", "{The|the} {thinking traps|'thinking traps'|thinking trap} {bit|section|stuff}{ - I recognised myself in nearly all of them| - I do at least 3 of them| , eye opening|}"),
    ("techniques_tools", "Learning to {challenge|question|catch} {my|unhelpful|negative} thoughts {instead of just accepting them|rather than believing them straight away|before they spiral}"),
    ("techniques_tools", "The \"what would you say to a friend\" question. {So simple but it works|Going to use that one a lot|Obvious when you hear it but I never do it}"),
    ("techniques_tools", "{Making|Writing} a coping plan {for after a bad shift|for difficult days|that I can actually use <place>}"),
    ("techniques_tools", "{The breathing exercise|Box breathing|The breathing technique} {at the start|in the second half|, I have already used it twice}"),
    ("techniques_tools", "Explanatory style{ - permanent, personal, pervasive| (the 3 Ps)|} {made a lot of sense|was new to me|explained a lot about how I react}"),
    ("techniques_tools", "Reframing {what happens <place>|how I look back at a bad day|after <event>}"),
    ("group_learning", "Hearing that {others|other people|people from other professions} {felt the same|struggle too|have the same worries as me}"),
    ("group_learning", "{Being in|Having} a {mixed group|group of mixed professions|group with midwives, paramedics and doctors}{ - interesting to hear other perspectives| - we all deal with the same stuff really|, good to hear how other people cope}"),
    ("group_learning", "{It felt like a safe space|It was a safe space|Safe space} to {talk|be honest|say how I actually feel}"),
    ("group_learning", "Small group so {everyone got a chance to speak|it felt less intimidating|nobody could hide, in a good way}"),
    ("humanising_error", "{Realising|Being reminded|Hearing} that everyone makes mistakes{, even senior staff| - not just me|}"),
    ("humanising_error", "I {feel|came away feeling} less guilty about {a mistake I made last year|an incident <place>|<event>}"),
    ("humanising_error", "{That|Hearing that} it is {ok|OK|normal} to be upset after <event>"),
    ("humanising_error", "Talking openly about errors{ without anyone judging| for once| - we never do that at work}"),
    ("reframing_resilience", "Resilience {isn't|is not} about {toughing it out|never struggling|just putting up with everything}"),
    ("reframing_resilience", "I came in {a bit sceptical|quite cynical|expecting a 'be more resilient' lecture} but it {wasn't like that at all|was more about support than I expected|was more nuanced than I thought}"),
    ("reframing_resilience", "That resilience is {a skill you can learn|something that can be built|not something you either have or don't}"),
    ("personal_growth", "{It made me|Made me} {realise|notice} how hard I am on myself"),
    ("personal_growth", "I {feel|came away feeling} more confident {that I can cope|about the next time something goes wrong|as a <role>}"),
    ("personal_growth", "{Being kinder|Learning to be kinder} to myself{ - I'm a bit of a perfectionist|, sounds cheesy but true|}"),
    ("delivery_format", "The {facilitator was|facilitators were} {brilliant|really engaging|very down to earth}"),
    ("delivery_format", "{Good pace|Well paced|The pace was right}{, never felt rushed|, plenty of breaks|}"),
    ("delivery_format", "The handouts{ - one is now stuck on my fridge| are really clear|, I'll keep them}"),
    ("relevance", "The case studies {felt realistic|matched my job|were like real shifts}{ as a <role>|}"),
)

USEFUL_CRIT = (  # the critical half of a mixed "useful but ..." answer
    ("delivery_format", "it was {too long|a long day|a lot to take in in one go}"),
    ("delivery_format", "{the last part|the end} felt rushed"),
    ("relevance", "{would have liked|could have done with} more examples for <role>s"),
    ("system_context", "it {doesn't|won't} change {the staffing|the workload|the rota}"),
    ("group_learning", "the group was {a bit big|too big to really open up|quite quiet}"),
    ("delivery_format", "{the room was too hot|no proper lunch break|it was on my day off}"),
)

USEFUL_NEG = (
    ("delivery_format", "{Honestly|To be honest} not much, {most of it I knew already|it was a lot of theory}"),
    ("relevance", "{Not a lot|Not much} for me as a <role>{ - felt aimed at qualified staff|, the examples were all from wards|}"),
    ("reframing_resilience", "I'm {still|} not convinced {\"resilience\"|resilience training|the resilience stuff} is the answer"),
    ("system_context", "Nothing {really|much}. We {know how to cope|cope fine}, it's {the staffing|the workload|the rota} that's the problem"),
    ("delivery_format", "{Hard to say|Difficult to say}, I was {on nights before|exhausted} and {struggled to concentrate|switched off halfway}"),
)

USEFUL_NEUTRAL = (
    ("techniques_tools", "{The|the} {CBT|thinking} {model|triangle}"),
    ("techniques_tools", "{thinking traps|Thinking traps!|the thought record sheet}"),
    ("group_learning", "{Group discussion|the group discussions|Group work}"),
    ("delivery_format", "{Some of it|Parts of it|The first half}"),
)

CHANGE_POS = (
    ("delivery_format", "Nothing{, it was great|, really enjoyed it|! Well run|, honestly}"),
    ("delivery_format", "{Wouldn't|Would not} change {anything|much}{ - keep it as it is|, it worked well|}"),
    ("group_learning", "{Nothing really|Not much}, the group {worked well|was a good size|was lovely}"),
)

CHANGE_NEG = (
    ("delivery_format", "{It was|Far too|Too} long{ - 3.5 hours is a lot after a night shift|, could be done in 2 hours| and I lost focus after the break}"),
    ("delivery_format", "{More breaks|A proper lunch break|Shorter sessions}{ please|}"),
    ("delivery_format", "The room was {too hot|freezing|too small for all of us}"),
    ("delivery_format", "{Do it online|Offer an online version|A Teams option} {for people who live far away|so community staff can come|for people on nights}"),
    ("delivery_format", "{Felt a bit rushed at the end|The last part was rushed|Less time on introductions, more on the techniques}"),
    ("delivery_format", "Less {role play|time sitting in a circle|talking in pairs}{, I found it awkward|}"),
    ("relevance", "More examples {for paramedics|from pre-hospital care|from maternity|for students}"),
    ("relevance", "{Some of the case studies|The case studies} {weren't|were not} {very|that} relevant to {students|us as students|imaging}{ - we don't carry the same responsibility|}"),
    ("suggestions", "A refresher {session|in 6 months|after a few months} would be {good|really helpful}"),
    ("suggestions", "{Send|Could you send} the slides {afterwards|by e-mail|before the session}"),
    ("suggestions", "{Include|Invite} managers {too|- they're the ones who need it|so they understand what we deal with}"),
    ("suggestions", "Make it {part of induction|mandatory for everyone|protected time rather than on our day off}"),
    ("suggestions", "{A follow up group session|Meeting up again} with the same people{ would be nice|}"),
    ("system_context", "{Resilience training won't fix|No amount of resilience training fixes} {staffing|short staffing|the rota|being 3 staff down every shift}"),
    ("system_context", "The problem is {workload|the system|management|the culture}, not {us|staff|individual resilience}"),
    ("system_context", "It would be better if the {trust|organisation} {sorted out staffing|looked at the culture|actually listened to staff}"),
    ("system_context", "Felt a bit like the message was 'be more resilient' when the real issue is {workload|the rota|the blame culture}"),
    ("group_learning", "Group was {too big|a bit too small|quite quiet}{ so harder to open up|}"),
    ("group_learning", "Mixed groups are good but {the doctors|a couple of people} {dominated|did most of the talking}"),
    ("group_learning", "Would {prefer|rather be in} a group with {just my profession|people from my own team}"),
)

CHANGE_CRIT = (
    ("delivery_format", "maybe {more breaks|a bit shorter|a later start}"),
    ("relevance", "{maybe|perhaps} more examples for <role>s"),
    ("suggestions", "{send|please send} the slides afterwards"),
    ("suggestions", "a refresher {later on|in a few months} would be good"),
)

CHANGE_NEUTRAL = (
    ("delivery_format", "{Timing|The time of day|The date}"),
    ("suggestions", "{More|more} {examples|case studies|time for questions}"),
    ("delivery_format", "{not sure|Not sure yet|Can't think of anything}"),
)

COACH_POS = (
    ("coaching_call", "{Really|Very|Surprisingly} {helpful|useful|good}{ - much easier to talk one to one|, I felt listened to|}"),
    ("coaching_call", "Talking one to one {made it easier to be honest|meant I could talk about <event>|suited me better than the group}"),
    ("coaching_call", "The coach helped me {make a plan|work through something that happened <place>|see a situation from a different angle}"),
    ("coaching_call", "{Good to|Nice to} follow up on the workshop{ while it was still fresh| a couple of weeks later|}"),
    ("beyond_work", "We talked about {my exams|things at home|my family} {as well|too} which {helped|was unexpected but helpful}"),
    ("personal_growth", "Helped me {feel more confident|be kinder to myself|notice my thinking}{ at work and at home|}"),
    ("humanising_error", "I talked about <event> for the first time{ properly| since it happened|} and {didn't feel judged|felt less guilty afterwards}"),
    ("techniques_tools", "{We went back over|Went through} the thinking traps {with my own examples|using something that happened <place>}"),
)

COACH_NEG = (
    ("coaching_call", "{Didn't find it that useful|Not that useful to be honest|Not for me}{ - felt like going over the workshop again|, it was a bit awkward on the phone|}"),
    ("coaching_call", "The call {was too short|felt rushed|was only 20 minutes}"),
    ("coaching_call", "{Hard to find|Difficult finding} {a private place|somewhere quiet} to take the call{ at work| <place>| at home with the kids around}"),
    ("coaching_call", "The call {came too late|was 3 weeks after the workshop} so {I had forgotten a lot|the momentum had gone}"),
    ("coaching_call", "{I'd rather have|Would have preferred} {a video call|to meet in person|a group follow up} than a phone call"),
)

COACH_NO_CALL = (
    ("coaching_call", "{The call never happened|I didn't get a call|Still waiting for my call}{ - nobody rang|, got an email saying it would be rearranged but nothing since|}"),
    ("coaching_call", "I missed the call {because I was on shift|as I was called into work|because of a late finish} and {it wasn't rearranged|couldn't rebook}"),
    ("coaching_call", "{Haven't had it yet|Not had it yet|Didn't happen}{, so can't really comment| - is it still happening?|}"),
)

COACH_CRIT = (
    ("coaching_call", "the call was {too short|only 20 minutes|a bit rushed}"),
    ("coaching_call", "it came {too late|a bit late|three weeks after the workshop}"),
    ("coaching_call", "it was hard to find somewhere private to take it"),
    ("coaching_call", "it was a bit awkward on the phone"),
)

COACH_NEUTRAL = (
    ("coaching_call", "{It was ok|Fine|OK}"),
    ("coaching_call", "{Ok, nothing new|fine, quite short|It was fine I guess}"),
)

USED_POS = (
    ("techniques_tools", "Yes - {I use|using} the thinking traps {a lot|most days|when I'm on a run of nights}"),
    ("techniques_tools", "I {try to|} {catch|challenge} my {catastrophising|all or nothing thinking|mind reading}{ before it spirals| after a bad day|}"),
    ("techniques_tools", "The coping plan{ is on my phone| - I look at it after bad shifts|, sort of}"),
    ("techniques_tools", "{Breathing|Box breathing} before {difficult conversations|going into theatre|a difficult scan|exams}"),
    ("beyond_work", "{Used it|Using it|I've used it} {at home|with my partner|with my teenage son|when revising for exams|during my OSCEs} {as much as at work|too|actually more than at work}"),
    ("beyond_work", "Helped {a lot |}with {family stuff|a difficult situation at home|my dad being ill}"),
    ("humanising_error", "After {a mistake|an incident|a near miss} {last month|on my last placement|at work} I {didn't beat myself up as much|was able to talk about it|felt less guilty and reported it}"),
    ("humanising_error", "Reminded myself everyone makes mistakes after <event>"),
    ("peer_support", "{Talked|I've talked} to {colleagues|<peers>|a couple of colleagues} about {it|what we learned}{ - we now do a quick debrief after bad shifts|, we set up a WhatsApp group|}"),
    ("peer_support", "My {buddy|preceptor|crewmate} and I {check in with each other|debrief after difficult shifts} now"),
    ("peer_support", "{We've started|Started} a {peer support|wellbeing} {huddle|catch up} {on the ward|at the station|with <peers>} {once a week|after handover}"),
    ("techniques_tools", "{Writing things down|Journaling} after {a bad shift|<event>}{ - it stops me replaying it at 3am|, helps me switch off|}"),
    ("techniques_tools", "When I {catch myself|notice I'm} {thinking 'I'm useless'|catastrophising|mind reading} I ask what I'd say to {a friend|a colleague}"),
    ("beyond_work", "{Surprisingly|Funnily enough} {mostly |}outside work{ - with my kids| - with exam stress| - in my relationship}"),
    ("system_context", "Yes, {though|but} it's the {staffing|workload} that {really needs fixing|needs to change}"),
    ("personal_growth", "I'm {kinder to myself|less of a perfectionist|more aware of my thinking} {than before|since the course|these days}"),
    ("reframing_resilience", "I {think about|see} resilience differently{ now| - it's not about coping with everything on your own|}"),
)

USED_NEG = (
    ("system_context", "{Not really|Not much}{,| -} {too busy|no time}{ - we've been short staffed| with staffing the way it is| <place>}"),
    ("system_context", "{Tried to|I try} but {the workload|the rota|management} makes it hard"),
    ("system_context", "{It's hard to use any of it|Hard to apply} when {there's no time for breaks|you're doing 13 hour shifts short staffed}"),
    ("techniques_tools", "{I meant to|I wanted to} but {forgot most of it|haven't got round to it}"),
    ("techniques_tools", "{Honestly no|No, not really}{ - once you're back at work it all goes out the window|, it's been a mad few weeks}"),
    ("system_context", "Nothing changes {if the culture doesn't|when you go back to the same ward|while we're this short}"),
    ("personal_growth", "{Not much|Not really}. {I still beat myself up|Still overthinking everything} after a bad {shift|day}"),
)

USED_CRIT = (
    ("system_context", "{it's hard to find the time|there's never time} <place>"),
    ("system_context", "{the rota|the workload|short staffing} makes it hard to keep up"),
    ("techniques_tools", "I haven't {kept it up|used the coping plan} as much as I meant to"),
    ("techniques_tools", "{I'd|I had} forgotten {a lot of it|most of the techniques} by week 3"),
)

USED_NEUTRAL = (
    ("techniques_tools", "{sometimes|Sometimes|A bit}"),
    ("techniques_tools", "{Not yet|not yet really|Not consciously}"),
)

USED_NO_CALL = (
    ("coaching_call", "{Not really, the coaching call never happened so I lost momentum|Not much - never got my coaching call}"),
    ("coaching_call", "A bit{, but| -} I think the {1:1|one to one} call would have helped {if it had happened|and it never did}"),
)

OTHER_NO_CALL = (
    ("coaching_call", "{Disappointed|A bit disappointed} {the call didn't happen|nobody followed up about the call}"),
    ("coaching_call", "{Please|} sort out the coaching calls, {mine never happened|I was never contacted}"),
)

OTHER_POS = (
    ("delivery_format", "{Thank you|Thanks}{ - really enjoyed it|, very worthwhile|!| for organising it}"),
    ("suggestions", "Would recommend to {colleagues|other students|anyone starting out}"),
    ("reframing_resilience", "I {was sceptical|didn't expect much} {but it|and it} {changed how I think about resilience|was better than expected}"),
    ("personal_growth", "{Feel|I feel} {more confident|calmer|better equipped} {now|than I did before}"),
    ("group_learning", "{Loved|Really liked} meeting people from other professions"),
    ("peer_support", "{Still in touch|Keeping in touch} with {a couple of people|some of the group} from my cohort{ which is nice|}"),
    ("humanising_error", "{It helped to hear|Good to hear} that {senior staff|consultants|experienced midwives} make mistakes too"),
)

OTHER_NEG = (
    ("system_context", "{Resilience is|Wellbeing is} {the organisation's responsibility too|not just down to individuals}"),
    ("system_context", "{Hope|I hope} {managers|the trust|leadership} {take notice|hear this feedback|do the training too}"),
    ("system_context", "{Protected time|Time off the rota} to attend would {help|make a big difference}{, I came on my day off|}"),
    ("delivery_format", "{Too many|So many} {surveys|questionnaires}{ - this is the fourth one|!|}"),
    ("reframing_resilience", "{I still find|Still find} the word resilience {a bit loaded|annoying}{ - we're resilient enough|, it puts it all on us|}"),
    ("delivery_format", "{One session isn't enough|One workshop can't do much} on its own"),
)

OTHER_CRIT = (
    ("system_context", "the organisation needs to do its bit too"),
    ("system_context", "it {needs|should have} protected time"),
    ("delivery_format", "there were {too many surveys|a lot of questionnaires}"),
    ("suggestions", "one session isn't enough{ - a refresher would help|}"),
)

OTHER_NEUTRAL = (
    ("suggestions", "{Please|} {run a refresher|offer a refresher session|keep running this}"),
    ("suggestions", "Would be good to {have|offer} this {at induction|for all new starters|for managers too}"),
    ("suggestions", "{More sessions|A follow up session|Another session in a few months} please"),
)

POOLS = {
    "fb_useful": {"pos": USEFUL_POS, "neg": USEFUL_NEG, "neutral": USEFUL_NEUTRAL,
                  "crit": USEFUL_CRIT},
    "fb_change": {"pos": CHANGE_POS, "neg": CHANGE_NEG, "neutral": CHANGE_NEUTRAL,
                  "crit": CHANGE_CRIT},
    "fb_coaching": {"pos": COACH_POS, "neg": COACH_NEG, "neutral": COACH_NEUTRAL,
                    "crit": COACH_CRIT,
                    "no_call": COACH_NO_CALL},
    "fb_used": {"pos": USED_POS, "neg": USED_NEG, "neutral": USED_NEUTRAL, "crit": USED_CRIT,
                "no_call": USED_NO_CALL},
    "fb_other": {"pos": OTHER_POS, "neg": OTHER_NEG, "neutral": OTHER_NEUTRAL, "crit": OTHER_CRIT,
                 "no_call": OTHER_NO_CALL},
}

# valence probabilities per question: pos, mixed, neg, neutral
VALENCE_P = {
    "fb_useful": (0.66, 0.12, 0.10, 0.12),
    "fb_change": (0.20, 0.12, 0.56, 0.12),
    "fb_coaching": (0.50, 0.20, 0.20, 0.10),
    "fb_used": (0.58, 0.12, 0.20, 0.10),
    "fb_other": (0.32, 0.12, 0.26, 0.30),
}

# identifying details planted for redaction to catch: (kind, sentence). All invented: phone
# numbers are from Ofcom's drama ranges, e-mail domains are reserved example domains, the NHS
# number is in the 999 test range, the ward and hospital do not exist.
PII = {
    "fb_useful": (
        ("name", "My mentor Sarah Jones told me to come and she was right."),
        ("contact", "If you run another one I'd like to bring my team - ring me on 07700 900123."),
        ("place", "Everyone on Larkspur Ward at Castlebridge General Hospital should do this."),
    ),
    "fb_change": (
        ("contact", "Please send the slides to k.whitlow@example.com"),
        ("name", "Not the facilitator's fault but Dr Patel kept talking over everyone."),
        ("contact", "Could someone ring me about dates for the next one? 0113 496 0321"),
    ),
    "fb_coaching": (
        ("name", "Jo Mercer (the coach) was lovely, really easy to talk to."),
        ("contact", "They rang my personal mobile (07700 900456) rather than my work phone, which I wasn't expecting."),
        ("contact", "If you want more feedback call me on +44 7700 900781 or email priya.s@example.org"),
    ),
    "fb_used": (
        ("name", "My mentor Sarah Jones and I now debrief after difficult shifts on Larkspur Ward."),
        ("nhs_number", "Self-referred to occupational health after the course - they wanted my NHS number (999 012 3454) before anything else, which put me off a bit."),
        ("contact", "Happy to talk more about it, 0113 496 0875"),
    ),
    "fb_other": (
        ("contact", "Happy to be interviewed - tom_reilly84@example.net or 07700900318"),
        ("name", "Sister Okafor at Castlebridge General Hospital should definitely do this course!"),
        ("contact", "Please add me to the mailing list: a.nowak@example.com"),
    ),
}
