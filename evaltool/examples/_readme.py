"""The example study's README and answer-key files (written by the generator)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _design as d
from . import _phrases as ph
from ._writers import qualtrics_questions

if TYPE_CHECKING:  # pragma: no cover
    from .generate import Study


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def participants_csv(study: Study) -> str:
    """One row per participant: cohort, profession, coaching call, waves with a usable response."""
    pe = study.people
    waves = study.size.wave_ids
    cohorts = study.cohort_names
    rows: list[list[object]] = [["participant_id", "cohort", "profession", "coaching_call",
                                 *waves]]
    for p, pid in enumerate(pe.pid):
        rows.append([pid, cohorts[int(pe.cohort[p])], int(pe.profession[p]),
                     int(pe.call_happened[p]), *(int(pe.present[w][p]) for w in waves)])
    return _csv(rows)


def responses_csv(study: Study) -> str:
    """One row per Qualtrics data row: the typed code, the true participant and the row's kind."""
    rows: list[list[object]] = [["file", "data_row", "response_id", "typed_id", "participant_id",
                                 "kind"]]
    for wave in study.size.wave_ids:
        name = d.WAVE_FILES[wave]
        for k, r in enumerate(study.responses[wave], start=1):
            pid = "" if r.person is None else study.people.pid[r.person]
            rows.append([f"qualtrics/{name}", k, r.response_id, r.typed_id, pid, r.kind])
    return _csv(rows)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _column_map() -> str:
    seen: dict[str, list[str]] = {}
    info: dict[str, tuple[str, str]] = {}
    for wave in d.WAVES:
        for tag, _, import_id, item in qualtrics_questions(wave):
            seen.setdefault(tag, []).append(wave)
            info[tag] = (import_id, item)
    rows = [[f"`{tag}`", f"`{info[tag][0]}`", f"`{info[tag][1]}`", ", ".join(waves)]
            for tag, waves in seen.items()]
    return _table(["Qualtrics column", "ImportId", "item id / REDCap field", "waves"], rows)


def _special(study: Study) -> list[str]:
    pe, rs = study.people, study.responses
    find = {kind: next(r for w in d.WAVES for r in rs[w] if r.kind == kind)
            for kind in ("preview", "duplicate_first", "unfinished")}
    dup = pe.pid[study.special["duplicate"]]
    kept = next(r for r in rs["T2"] if r.kind == "ok" and r.person == study.special["duplicate"])
    unf = pe.pid[study.special["unfinished"]]
    out = [
        f"- **Survey preview (T1).** One row with `Status` = 1 (Survey Preview), "
        f"`DistributionChannel` = `preview`, participant code `TEST`, no IP address "
        f"(`ResponseId` {find['preview'].response_id}). Drop it.",
        f"- **Duplicate submission (T2).** {dup} answered twice: a first, less complete "
        f"submission typed as `{dup.lower()}` (`ResponseId` {find['duplicate_first'].response_id}, "
        f"35% of items blank, no free text, two answers differ by one point) and three hours later "
        f"a complete one (`ResponseId` {kept.response_id}). Keep the second (most complete, and "
        f"latest). The REDCap export holds only the second.",
        f"- **Unfinished response (T3).** {unf} started the T3 survey and stopped at 40 %: "
        f"`Finished` = 0, `Progress` = 40, only the resilience items and `cc_1`, `cc_2` answered, "
        f"recorded a week later when Qualtrics closed it (`ResponseId` "
        f"{find['unfinished'].response_id}). {unf} has no other T3 response, so T3 has 47 "
        f"participants once it is dropped. In REDCap the row is there with "
        f"`confidence_coping_complete` = 0 and `coaching_feedback_complete` = 0.",
    ]
    for wave, (typed, true) in study.near_miss.items():
        out.append(f"- **Near-miss participant code ({wave}).** `{typed}` was typed by {true} "
                   f"(a letter for a digit). Normalisation cannot repair it, so a linker must "
                   f"report it as unmatched and suggest {true}.")
    return out


def readme(study: Study, seed: int) -> str:
    """The example folder's README: what the files are, who is in them, what was planted."""
    rows_per_file = {w: len(study.responses[w]) for w in d.WAVES}
    parts = (_intro(seed) + _files(rows_per_file) + _participants(study, rows_per_file) + _items()
             + _problems(study) + _effects() + _rebuilding())
    return "\n".join(parts)


def _intro(seed: int) -> list[str]:
    """Title, the synthetic-data warning and the study it imitates."""
    return [
        "# Example study: resilience training for health professionals",
        "",
        "> **SYNTHETIC DATA.** Every person, answer, date and identifying detail in this folder is "
        "invented. The files were generated by `python -m evaltool.examples.generate` "
        f"(numpy `default_rng`, seed **{seed}**) and can be rebuilt byte for byte. Any report made "
        "from them must say that the data are synthetic.",
        "",
        "The study imitates a published UK evaluation: 66 health professionals (midwives, doctors, "
        "paramedics, physician-associate, sonography and mammography students) took a 3.5-hour "
        "CBT-informed group workshop in cohorts of 4-12 and a one-hour one-to-one coaching phone "
        "call. Surveys: T1 baseline, T2 straight after the workshop, T3 after the coaching call, "
        "T4 4-6 weeks after baseline. Retention 66 -> 62 -> 47 -> 33. Outcomes: resilience (BRS), "
        "burnout (CBI, T1 and T4), confidence in coping with adverse events (`cc_1`-`cc_5`) and a "
        "knowledge quiz (`rk_1`-`rk_8`); free-text feedback at T2-T4.",
        "",
    ]


def _files(rows_per_file: dict[str, int]) -> list[str]:
    """The files of the folder and their formats."""
    return [
        "## Files",
        "",
        _table(["file", "what it is"], [
            ["`qualtrics/T1_baseline.csv`", f"Qualtrics export, T1 ({rows_per_file['T1']} rows)"],
            ["`qualtrics/T2_post_workshop.csv`", f"Qualtrics export, T2 ({rows_per_file['T2']} rows)"],
            ["`qualtrics/T3_post_coaching.csv`", f"Qualtrics export, T3 ({rows_per_file['T3']} rows)"],
            ["`qualtrics/T4_follow_up.csv`", f"Qualtrics export, T4 ({rows_per_file['T4']} rows)"],
            ["`redcap/resilience_study_redcap.csv`", "the same answers as a REDCap longitudinal raw export"],
            ["`redcap/resilience_study_dictionary.csv`", "REDCap data dictionary (18 standard columns)"],
            ["`redcap/resilience_study_instrument_designation.csv`", "REDCap instrument-event mapping"],
            ["`answer_key/participants.csv`", "truth: cohort, profession, coaching call, waves answered"],
            ["`answer_key/responses.csv`", "truth: every Qualtrics data row with its typed code, true participant and kind (`ok`, `preview`, `duplicate_first`, `unfinished`)"],
        ]),
        "",
        "Qualtrics files: three header rows (export tags; question text; `{\"ImportId\":...}`), "
        "the 17 standard metadata columns, numeric (recode) values, UTF-8 with a byte-order mark, "
        "CRLF line ends, one file per wave. Multi-select answers (`Q_ATTEND`) are comma-joined "
        "codes (`1,2`). Free text keeps commas, quotes and line breaks inside quoted cells.",
        "",
        "REDCap files: one header row, raw codes, one row per record x event "
        "(`redcap_event_name` = `baseline_arm_1`, `post_workshop_arm_1`, `post_coaching_arm_1`, "
        "`follow_up_arm_1`), blanks for forms not designated to the event, `<form>_complete` "
        "(2 = complete, 0 = incomplete), checkbox `attend___1` / `attend___2`. `record_id` is the "
        "clean participant code. Cohort is a dropdown coded 1-8 (labels `C01`-`C08`).",
        "",
    ]


def _participants(study: Study, rows_per_file: dict[str, int]) -> list[str]:
    """Waves, participant codes, cohorts and professions."""
    pe = study.people
    near = {(k, v[0]) for k, v in study.near_miss.items()}
    n_messy = len([r for w in d.WAVES for r in study.responses[w]
                   if r.kind == "ok" and r.person is not None
                   and r.typed_id != pe.pid[r.person] and (w, r.typed_id) not in near])
    cohort_rows = []
    for k, c in enumerate(d.COHORTS):
        members = [p for p in range(len(pe.pid)) if pe.cohort[p] == k]
        cohort_rows.append([c, k + 1, d.WORKSHOP_DATES[k], len(members),
                            f"{pe.pid[members[0]]}-{pe.pid[members[-1]]}"])
    prof_rows = [[code, label, int((pe.profession == code).sum())]
                 for code, label in d.PROFESSIONS.items()]
    return [
        "## Participants and waves",
        "",
        _table(["wave", "when", "Qualtrics rows", "participants (usable)"],
               [[w, d.WAVE_LABELS[w], rows_per_file[w], d.WAVE_SIZES[w]] for w in d.WAVES]),
        "",
        "Participant codes are `P001`-`P066`, typed by the participants into `Q_PID`. "
        f"{n_messy} codes are typed untidily (lower case `p017`, stray spaces `P023 `, "
        "missing zeros `P12`) and are recovered by normalisation: strip, upper-case, zero-pad "
        "to three digits. Two are true near misses (below).",
        "",
        "Cohorts (workshop groups; `Q_COHORT` at T1, REDCap `cohort`):",
        "",
        _table(["cohort", "REDCap code", "workshop date", "size", "codes"], cohort_rows),
        "",
        "Professions (`Q_PROF` at T1, REDCap `profession`; same codes in both):",
        "",
        _table(["code", "label", "n"], prof_rows),
        "",
    ]


def _items() -> list[str]:
    """The columns and items of each instrument."""
    quiz_rows = [[q.item, q.question, "; ".join(f"{k}: {o}" for k, o in enumerate(q.options, 1)),
                  q.correct] for q in d.QUIZ_ITEMS]
    cbi_rows = [[i.item, i.text, i.labels, "yes" if i.reverse else ""] for i in d.CBI_ITEMS]
    return [
        "## Columns and items",
        "",
        _column_map(),
        "",
        "- **BRS** (`Q1_1`-`Q1_6` = `brs_1`-`brs_6`): 1 = strongly disagree ... 5 = strongly "
        "agree; items 2, 4, 6 are negatively worded (reverse-keyed). The real wording is not "
        "shipped (licence tier B): the question text says \"Resilience statement k\".",
        "- **CBI** (T1, T4): codes in the printed order, 1 = Always / To a very high degree ... "
        "5 = Never/almost never / To a very low degree (recode 1 -> 100, 2 -> 75, 3 -> 50, "
        "4 -> 25, 5 -> 0). `Q2_*` personal (`cbi_p1`-`cbi_p6`), `Q3_*` work-related "
        "(`cbi_w1`-`cbi_w7`), `Q4_*` patient-related (`cbi_c1`-`cbi_c6`). `cbi_w7` (energy for "
        "family and friends) is reverse-keyed.",
        "",
        _table(["item", "text", "labels", "reverse"], cbi_rows),
        "",
        f"- **Confidence in coping** (`cc_1`-`cc_5`, all waves): 0-10. Stem: \"{d.CC_STEM}\"",
        "",
        _table(["item", "text"], [[i, t] for i, t in d.CC_ITEMS]),
        "",
        "- **Knowledge quiz** (`rk_1`-`rk_8`; T1, T2, T4): one answer of four, coded 1-4. Score = "
        "number correct (0-8) against this key: "
        + ", ".join(f"{k}={v}" for k, v in d.QUIZ_KEY.items()) + ".",
        "",
        _table(["item", "question", "options", "correct"], quiz_rows),
        "",
        "- **Attendance** (`Q_ATTEND` at T3 / REDCap `attend`): 1 = the group workshop, 2 = the "
        "one-to-one coaching call (select all that apply).",
        "- **Free text**: " + "; ".join(f"`{q}` ({w}) \"{t}\"" for q, (w, t) in d.FREE_TEXT.items())
        + ". Qualtrics columns: `Q_USEFUL`, `Q_CHANGE`, `Q_COACH`, `Q_USED`, `Q_OTHER`.",
        "",
    ]


def _problems(study: Study) -> list[str]:
    """The data problems planted for the pipeline to catch."""
    pii = [f"  - `{q}`: " + "; ".join(f"{kind}: \"{s}\"" for kind, s in ph.PII[q])
           for q in d.FREE_TEXT]
    return [
        "## Planted data problems",
        "",
        *_special(study),
        "- **Missing item answers**: about 3 % of item answers are blank, completely at random.",
        "- **Free text**: blank answers and `n/a`, `-`, `nothing` in every free-text column; "
        "typos, line breaks, quotes and commas inside answers; some people's coaching call never "
        "happened and they say so. Identifying details for redaction to catch (all invented: "
        "phone numbers from Ofcom's drama ranges 07700 900xxx and 0113 496 0xxx, reserved "
        "example e-mail domains, an NHS number from the 999 test range, a ward and hospital that "
        "do not exist):",
        *pii,
        "",
    ]


def _effects() -> list[str]:
    """The true effects the simulation used."""
    eff = d.TRUE_EFFECTS
    return [
        "## True effects used by the simulation",
        "",
        "Change from T1 (population values; sample estimates differ by sampling error):",
        "",
        f"- confidence in coping (mean of `cc_1`-`cc_5`): +{eff['cc']['T2']} at T2, "
        f"+{eff['cc']['T3']} at T3, +{eff['cc']['T4']} at T4 (baseline mean about 5.1, SD about "
        "1.5, so d about 1.5-1.6; published T2 beta 2.43 [2.08, 2.79], d 1.55); person-specific "
        "gains (SD 0.6) and cohort-specific gains (SD 0.3);",
        f"- resilience (BRS mean): +{eff['brs']['T2']} at T2, +{eff['brs']['T3']} at T3, "
        f"+{eff['brs']['T4']} at T4 (baseline mean about 3.3);",
        f"- knowledge: log-odds of a correct answer +{eff['rk']['T2']} at T2 and "
        f"+{eff['rk']['T4']} at T4 (about +2.5 and +1.7 correct answers of 8; baseline about 4);",
        f"- burnout (CBI, 0-100): personal {eff['cbi_personal']['T4']}, work-related "
        f"{eff['cbi_work']['T4']}, patient-related {eff['cbi_patient']['T4']} at T4.",
        "",
        "A person factor links the outcomes (higher resilience, confidence and knowledge, lower "
        "burnout); cohorts add random intercepts. Drop-out is mildly more likely for people with "
        "lower baseline confidence, and people whose coaching call did not happen answer T3 "
        "less often. Free-text valence is a little more negative for people whose confidence "
        "rose least.",
        "",
    ]


def _rebuilding() -> list[str]:
    """How to rebuild the folder."""
    return [
        "## Rebuilding",
        "",
        "```",
        "python -m evaltool.examples.generate            # into this folder",
        "python -m evaltool.examples.generate --out DIR  # somewhere else",
        "```",
        "",
    ]



def scaled_readme(study: Study, seed: int) -> str:
    """A short README for a study generated at another size than the bundled example."""
    size = study.size
    rows_per_file = {w: len(study.responses[w]) for w in size.wave_ids}
    usable = size.wave_sizes()
    sizes = size.cohort_sizes()
    lo, hi = size.free_text_blank_rates()
    parts = [
        "# Example study, scaled up: resilience training for health professionals",
        "",
        "> **SYNTHETIC DATA.** Every person, answer, date and identifying detail in this folder is "
        "invented. The files were generated by `python -m evaltool.examples.generate "
        f"--participants {size.participants} --cohorts {size.cohorts} --waves {size.waves}"
        + ("" if size.free_text_rate is None else f" --free-text-rate {size.free_text_rate}")
        + f" --seed {seed}` and can be rebuilt byte for byte. Any report made from them must say "
        "that the data are synthetic.",
        "",
        "The bundled example study (66 participants, 8 cohorts), scaled up with every proportion "
        f"kept: {size.participants:,} participants in {size.cohorts:,} cohorts of "
        f"{min(sizes)}-{max(sizes)}, waves {', '.join(size.wave_ids)}. The layout of every file, the "
        "study files and the special cases (one survey preview, one duplicate submission at T2, "
        "one unfinished response at T3, near-miss codes at T2 and T4) are those of the bundled "
        "example; see its README for the columns, items and true effects.",
        "",
        _table(["wave", "Qualtrics rows", "participants (usable)"],
               [[w, rows_per_file[w], usable[w]] for w in size.wave_ids]),
        "",
        f"Free text: each question is left blank with probability {lo:.3g} and answered with an "
        f"\"n/a\"-style token with probability {hi:.3g}. Answers are composed from the same "
        "templates as the example's; in a study this large some answers repeat.",
        "",
    ]
    return "\n".join(parts)


# lines of the template study files that belong to a wave (export, timepoint, free text)
_WAVE_MARKS = {
    "T2": ("T2", "post_workshop_arm_1", "fb_useful", "fb_change", "Q_USEFUL", "Q_CHANGE"),
    "T3": ("T3", "post_coaching_arm_1", "fb_coaching", "Q_COACH"),
    "T4": ("T4", "follow_up_arm_1", "fb_used", "fb_other", "Q_USED", "Q_OTHER"),
}


def study_file(template: str, waves: Sequence[str]) -> str:
    """The template study file, without the lines of waves that were not written."""
    if tuple(waves) == d.WAVES:
        return template
    import re

    dropped = [w for w in d.WAVES if w not in waves]
    lines = []
    for line in template.splitlines(keepends=True):
        if "timepoints: [" in line:  # an instrument given at some waves only
            kept = [w for w in re.findall(r"T\d", line) if w in waves]
            line = re.sub(r"\[[^\]]*\]", "[" + ", ".join(kept) + "]", line)
        elif any(re.search(rf"\b{re.escape(m)}\b", line) for w in dropped for m in _WAVE_MARKS[w]):
            continue
        lines.append(line)
    return "".join(lines)
