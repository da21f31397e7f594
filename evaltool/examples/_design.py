"""The design of the synthetic example study: people, waves, items, question wording, codes.

Everything the generator writes is derived from these constants and from the seed, so the
bundled files can be rebuilt byte for byte. Nothing here describes a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

SEED = 20250204
"""Seed of :func:`numpy.random.default_rng`, split into named streams (see ``generate.py``)."""

N_PARTICIPANTS = 66
WAVES = ("T1", "T2", "T3", "T4")
WAVE_FILES = {
    "T1": "T1_baseline.csv",
    "T2": "T2_post_workshop.csv",
    "T3": "T3_post_coaching.csv",
    "T4": "T4_follow_up.csv",
}
WAVE_LABELS = {
    "T1": "baseline, before the workshop",
    "T2": "straight after the workshop",
    "T3": "after the one-to-one coaching call",
    "T4": "follow-up, 4-6 weeks after baseline",
}
WAVE_SIZES = {"T1": 66, "T2": 62, "T3": 47, "T4": 33}
"""Distinct participants with a usable response at each wave (the published retention)."""

REDCAP_EVENTS = {
    "T1": "baseline_arm_1",
    "T2": "post_workshop_arm_1",
    "T3": "post_coaching_arm_1",
    "T4": "follow_up_arm_1",
}

# --- cohorts (workshop groups) -----------------------------------------------------------
COHORTS = ("C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08")
COHORT_SIZES = (9, 7, 12, 6, 10, 4, 8, 10)
WORKSHOP_DATES = (
    "2025-02-04", "2025-02-18", "2025-03-11", "2025-03-25",
    "2025-04-22", "2025-05-06", "2025-05-20", "2025-06-10",
)

# --- professions -------------------------------------------------------------------------
PROFESSIONS = {
    1: "Midwife",
    2: "Doctor",
    3: "Paramedic",
    4: "Physician associate student",
    5: "Sonography student",
    6: "Mammography student",
}
PROFESSION_COUNTS = (18, 12, 13, 10, 8, 5)
PROFESSION_QUESTION = (
    "What is your profession or course of study? (1 = Midwife, 2 = Doctor, 3 = Paramedic, "
    "4 = Physician associate student, 5 = Sonography student, 6 = Mammography student)"
)

# --- instruments -------------------------------------------------------------------------
AGREE5 = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}
CBI_FREQUENCY = {1: "Always", 2: "Often", 3: "Sometimes", 4: "Seldom", 5: "Never/almost never"}
CBI_DEGREE = {
    1: "To a very high degree", 2: "To a high degree", 3: "Somewhat",
    4: "To a low degree", 5: "To a very low degree",
}
CONFIDENCE11 = {k: str(k) for k in range(11)} | {0: "0 Not at all confident", 10: "10 Completely confident"}

BRS_ITEMS = tuple(f"brs_{k}" for k in range(1, 7))
BRS_REVERSED = ("brs_2", "brs_4", "brs_6")


@dataclass(frozen=True)
class CbiItem:
    item: str
    text: str
    labels: str  # "frequency" or "degree"
    reverse: bool = False


# Copenhagen Burnout Inventory (Kristensen et al. 2005), healthcare wording ("patients").
CBI_ITEMS = (
    CbiItem("cbi_p1", "How often do you feel tired?", "frequency"),
    CbiItem("cbi_p2", "How often are you physically exhausted?", "frequency"),
    CbiItem("cbi_p3", "How often are you emotionally exhausted?", "frequency"),
    CbiItem("cbi_p4", 'How often do you think: "I can\'t take it anymore"?', "frequency"),
    CbiItem("cbi_p5", "How often do you feel worn out?", "frequency"),
    CbiItem("cbi_p6", "How often do you feel weak and susceptible to illness?", "frequency"),
    CbiItem("cbi_w1", "Is your work emotionally exhausting?", "degree"),
    CbiItem("cbi_w2", "Do you feel burnt out because of your work?", "degree"),
    CbiItem("cbi_w3", "Does your work frustrate you?", "degree"),
    CbiItem("cbi_w4", "Do you feel worn out at the end of the working day?", "frequency"),
    CbiItem("cbi_w5", "Are you exhausted in the morning at the thought of another day at work?",
            "frequency"),
    CbiItem("cbi_w6", "Do you feel that every working hour is tiring for you?", "frequency"),
    CbiItem("cbi_w7", "Do you have enough energy for family and friends during leisure time?",
            "frequency", reverse=True),
    CbiItem("cbi_c1", "Do you find it hard to work with patients?", "degree"),
    CbiItem("cbi_c2", "Do you find it frustrating to work with patients?", "degree"),
    CbiItem("cbi_c3", "Does it drain your energy to work with patients?", "degree"),
    CbiItem("cbi_c4", "Do you feel that you give more than you get back when you work with patients?",
            "degree"),
    CbiItem("cbi_c5", "Are you tired of working with patients?", "frequency"),
    CbiItem("cbi_c6", "Do you sometimes wonder how long you will be able to continue working with "
            "patients?", "frequency"),
)
CBI_SUBSCALES = {
    "personal": tuple(i.item for i in CBI_ITEMS if i.item.startswith("cbi_p")),
    "work": tuple(i.item for i in CBI_ITEMS if i.item.startswith("cbi_w")),
    "patient": tuple(i.item for i in CBI_ITEMS if i.item.startswith("cbi_c")),
}

# Wording shared with instruments/scales/coping_confidence.yaml (evaltool's own template).
CC_ITEMS = (
    ("cc_1", "How confident are you that you could recognise the signs of your own stress reaction "
             "after the event (for example poor sleep, irritability, or replaying the event in your "
             "mind)?"),
    ("cc_2", "How confident are you that you could talk about the event, and how it has affected "
             "you, with a colleague or supervisor you trust?"),
    ("cc_3", "How confident are you that you could use a strategy to notice and manage unhelpful "
             "thoughts about the event, such as harsh self-blame or \"I am a bad clinician\"?"),
    ("cc_4", "How confident are you that you could treat yourself with the same understanding you "
             "would offer a colleague in the same situation?"),
    ("cc_5", "How confident are you that you could find and use the support available at work (for "
             "example peer support, occupational health or an employee assistance programme) if "
             "you need it?"),
)
CC_STEM = (
    "Think about a time when something goes wrong at work, such as an adverse event or a clinical "
    "error that affects a patient. (0 = not at all confident, 10 = completely confident)"
)


@dataclass(frozen=True)
class QuizItem:
    item: str
    question: str
    options: tuple[str, str, str, str]
    correct: int


# Questions and options from instruments/scales/resilience_knowledge.yaml (evaltool's own
# template), with options ordered so that the correct answers follow the key fixed in GitHub
# issue 3: rk_1=2, rk_2=4, rk_3=1, rk_4=3, rk_5=2, rk_6=1, rk_7=4, rk_8=3.
QUIZ_ITEMS = (
    QuizItem("rk_1", 'In cognitive behavioural approaches, what is a "thinking trap"?',
             ("A deliberate strategy for avoiding distressing memories",
              "A habitual, biased way of interpreting events that can make situations seem worse "
              "than they are",
              "A sign of a mental illness that always needs specialist treatment",
              "A memory lapse caused by tiredness at the end of a shift"), 2),
    QuizItem("rk_2", "After a patient's condition worsens, a nurse thinks: \"This always happens to "
             "me. Every shift goes wrong.\" Which thinking trap is this most clearly an example of?",
             ("Mind reading (assuming you know what others are thinking)",
              "Should statements (rigid rules about how things must be)",
              "Fortune telling (predicting that the future will go badly)",
              "Overgeneralising (treating one event as a never-ending pattern)"), 4),
    QuizItem("rk_3", "Which explanation of a setback at work reflects an optimistic explanatory style?",
             ('"It happened because of specific circumstances that can change, and it affects only '
              'this part of my life."',
              '"It was all my fault, I will always be like this, and it ruins everything."',
              '"Setbacks happen at random, so there is nothing I can learn from them."',
              '"Other people are always the ones to blame when things go wrong."'), 1),
    QuizItem("rk_4", "Which of these is an example of challenging an unhelpful thought?",
             ("Telling yourself firmly to stop thinking about it",
              "Distracting yourself until the feeling passes",
              "Weighing the evidence for and against the thought and working out a more balanced "
              "alternative",
              "Replacing it with an unrealistically positive thought"), 3),
    QuizItem("rk_5", "According to the cognitive behavioural model, what most directly shapes how we "
             "feel after a difficult event?",
             ("The event itself",
              "How we interpret the event (our thoughts and beliefs about it)",
              "Our personality type, which cannot change",
              "Whether other people witnessed the event"), 2),
    QuizItem("rk_6", "A personal coping plan for difficult events at work is most useful when it...",
             ("Lists your early warning signs, specific actions you can take, and people or "
              "services you can contact",
              "Focuses only on avoiding similar situations in future",
              "Is written once and never reviewed",
              "Is kept in your head so that nobody else needs to know about it"), 1),
    QuizItem("rk_7", "Which response shows self-compassion after making a mistake at work?",
             ("Telling yourself you are useless so that you will be more careful next time",
              "Going over the mistake again and again until you feel you have been punished enough",
              "Acting as if the mistake did not happen",
              "Acknowledging that it hurts, recognising that mistakes are part of being human, and "
              "speaking to yourself as you would to a colleague"), 4),
    QuizItem("rk_8", "Which statement about resilience at work matches the approach taught in the "
             "workshop?",
             ("Resilience depends only on individual effort, so workplace conditions do not matter",
              "Resilience is a fixed trait; you either have it or you do not",
              "Individual strategies help, but workload, staffing, leadership and team support also "
              "shape how resilient staff can be",
              "Resilient staff do not need support after adverse events"), 3),
)
QUIZ_KEY = {q.item: q.correct for q in QUIZ_ITEMS}

ATTEND_CHOICES = {1: "The group workshop", 2: "The one-to-one coaching call"}

FREE_TEXT = {
    "fb_useful": ("T2", "What, if anything, was most useful about the workshop?"),
    "fb_change": ("T2", "What would you change about the workshop?"),
    "fb_coaching": ("T3", "How did you find the one-to-one coaching call?"),
    "fb_used": ("T4", "Have you used anything from the programme since? Please describe."),
    "fb_other": ("T4", "Any other comments?"),
}

# which item groups are asked at which wave
WAVE_CONTENT = {
    "T1": ("id", "cohort", "profession", "brs", "cbi", "cc", "rk"),
    "T2": ("id", "brs", "cc", "rk", "fb_useful", "fb_change"),
    "T3": ("id", "brs", "cc", "attend", "fb_coaching"),
    "T4": ("id", "brs", "cbi", "cc", "rk", "fb_used", "fb_other"),
}

# --- true effects used by the simulation (README reports them) ----------------------------
TRUE_EFFECTS = {
    # change from T1 in the mean of the items, on the item scale
    "cc": {"T2": 2.45, "T3": 2.55, "T4": 2.30},
    "brs": {"T2": 0.20, "T3": 0.22, "T4": 0.22},
    # change in the log-odds of a correct answer (about +2.5 correct at T2, +1.7 at T4)
    "rk": {"T2": 1.75, "T4": 1.20},
    # change on the 0-100 CBI metric at T4
    "cbi_personal": {"T4": -5.0},
    "cbi_work": {"T4": -4.0},
    "cbi_patient": {"T4": -2.0},
}
ITEM_MISSING_RATE = 0.03


# --- size: the example as bundled, or scaled up for benchmarks ----------------------------
MIN_PARTICIPANTS = 30
MIN_PER_COHORT = 4
_FIRST_WORKSHOP = (2025, 1, 13)
_WORKSHOP_SPAN_DAYS = 260  # cohorts spread from mid-January to the end of September 2025


def _largest_remainder(total: int, weights: tuple[int, ...] | list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (integers summing to ``total``; Hamilton's
    method, ties to the earlier position) — exact when the weights already sum to ``total``."""
    wsum = sum(weights)
    quotas = [total * w for w in weights]  # scaled by wsum: integer arithmetic, no rounding
    out = [q // wsum for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] % wsum), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass(frozen=True)
class Size:
    """How big a generated study is.

    The default is the bundled example (66 participants, 8 cohorts, 4 waves, 85 % of
    free-text questions answered); :func:`evaltool.examples.generate.write_study` writes it
    byte for byte. Larger sizes keep every proportion of the example: cohort sizes follow the
    pattern 9, 7, 12, 6, 10, 4, 8, 10 (scaled), retention 66 -> 62 -> 47 -> 33, professions
    18:12:13:10:8:5, 8 in 66 without a coaching call.

    Attributes
    ----------
    participants
        People invited (all answer at T1); at least :data:`MIN_PARTICIPANTS`.
    cohorts
        Workshop groups; at most ``participants / 4`` (on average 4 people or more each).
    waves
        Waves written, 2-4 (T1, T2, ... in order; the simulation always runs all four).
    free_text_rate
        Share of free-text questions given a real answer (the rest are left blank, 60 %, or
        say "n/a" and the like, 40 %). None: the example's 85 % (9 % blank, 6 % "n/a").
    """

    participants: int = N_PARTICIPANTS
    cohorts: int = len(COHORTS)
    waves: int = len(WAVES)
    free_text_rate: float | None = None

    def __post_init__(self) -> None:
        from ..errors import ParameterError

        if self.participants < MIN_PARTICIPANTS:
            raise ParameterError(f"The 'participants' parameter must be at least {MIN_PARTICIPANTS}. "
                                 f"Got {self.participants!r} instead.")
        if not 1 <= self.cohorts <= self.participants // MIN_PER_COHORT:
            raise ParameterError(
                f"The 'cohorts' parameter must be between 1 and participants / {MIN_PER_COHORT} "
                f"({self.participants // MIN_PER_COHORT}). Got {self.cohorts!r} instead.")
        if not 2 <= self.waves <= len(WAVES):
            raise ParameterError(f"The 'waves' parameter must be between 2 and {len(WAVES)}. "
                                 f"Got {self.waves!r} instead.")
        rate = self.free_text_rate
        if rate is not None and not 0 <= rate <= 1:
            raise ParameterError(f"The 'free_text_rate' parameter must be between 0 and 1. Got {rate!r} instead.")

    @property
    def is_example(self) -> bool:
        """The bundled example's size (its README and answer key describe exactly it)."""
        return self == EXAMPLE_SIZE

    @property
    def wave_ids(self) -> tuple[str, ...]:
        """The waves written."""
        return WAVES[: self.waves]

    def cohort_names(self) -> tuple[str, ...]:
        """``C01``-``C08`` for the example; zero-padded to the width of the largest number."""
        if self.cohorts == len(COHORTS):
            return COHORTS
        width = max(2, len(str(self.cohorts)))
        return tuple(f"C{k:0{width}d}" for k in range(1, self.cohorts + 1))

    def cohort_sizes(self) -> list[int]:
        """People per cohort: the example's pattern repeated and scaled to ``participants``."""
        pattern = [COHORT_SIZES[k % len(COHORT_SIZES)] for k in range(self.cohorts)]
        return _largest_remainder(self.participants, pattern)

    def workshop_dates(self) -> tuple[str, ...]:
        """The example's eight dates, or dates spread evenly over 2025."""
        if self.cohorts == len(COHORTS):
            return WORKSHOP_DATES
        import datetime as dt

        first = dt.date(*_FIRST_WORKSHOP)
        step = _WORKSHOP_SPAN_DAYS / max(1, self.cohorts - 1)
        return tuple((first + dt.timedelta(days=round(k * step))).isoformat()
                     for k in range(self.cohorts))

    def profession_counts(self) -> list[int]:
        return _largest_remainder(self.participants, PROFESSION_COUNTS)

    def wave_sizes(self) -> dict[str, int]:
        """Participants with a usable response per wave (the published retention, scaled)."""
        n = self.participants
        return {w: round(n * k / N_PARTICIPANTS) for w, k in WAVE_SIZES.items()}

    def n_without_call(self) -> int:
        return round(8 * self.participants / N_PARTICIPANTS)

    def returners(self) -> tuple[int, int]:
        """(back at T3 after missing T2, back at T4 after missing T3): 1 and 3 in 66."""
        n = self.participants
        return round(n / N_PARTICIPANTS), round(3 * n / N_PARTICIPANTS)

    def free_text_blank_rates(self) -> tuple[float, float]:
        """(P(left blank), P("n/a"-style token)) of one free-text question."""
        if self.free_text_rate is None:
            return 0.09, 0.06
        rest = 1.0 - self.free_text_rate
        return 0.6 * rest, 0.4 * rest


EXAMPLE_SIZE = Size()
"""The bundled example's size."""
