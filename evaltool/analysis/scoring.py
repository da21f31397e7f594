"""Score every instrument of a linked study into one tidy Scores table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns as C
from ..instruments import Instrument
from ..scoring import score
from ..study import LinkedStudy

__all__ = ["administered", "score_study", "scale_info"]


def administered(linked: LinkedStudy, inst: Instrument) -> list[str]:
    """Timepoints at which an instrument was given: the study says so, or some item was answered.

    ``inst`` is one of ``linked.instruments`` (looked up by its id on the linked study, which
    resolved it once; never by file name).
    """
    return list(linked.administered.get(inst.id, []))


def score_study(linked: LinkedStudy) -> pd.DataFrame:
    """Tidy Scores for every instrument and scale at the timepoints it was given.

    The pipeline's scoring step (``evaltool analyse`` calls it on the linked study).

    Parameters
    ----------
    linked
        The output of :func:`evaltool.link_study`. Not modified.

    Returns
    -------
    DataFrame
        ``participant_id, timepoint`` (ordered), group columns, then the columns of
        :func:`evaltool.score` (``instrument, scale, score, n_answered, n_items, n_invalid,
        prorated, band``). A participant who skipped a whole scale at a timepoint when it was
        given has a row with a missing score (``n_answered`` 0); timepoints where the
        instrument was not given have no row.

    Examples
    --------
    >>> from evaltool import link_study
    >>> from evaltool.examples import example_study_path
    >>> scores = score_study(link_study(example_study_path()))
    >>> len(scores), scores["scale"].unique().tolist()[:3]
    (865, ['brs', 'coping_confidence', 'resilience_knowledge'])
    """
    spec = linked.study.spec
    groups = [g.name for g in spec.groups]
    ids = [C.PARTICIPANT_ID, C.TIMEPOINT, *groups]
    frames = []
    for inst in linked.instruments.values():
        tps = administered(linked, inst)
        items = [i for i in inst.item_ids if i in linked.wide.columns]
        if not tps or not items:
            continue
        rows = linked.wide[linked.wide[C.TIMEPOINT].isin(tps)]
        # items never asked anywhere (e.g. an unscored extra) are all missing: add them empty
        data = rows[ids + items].copy()
        for it in inst.item_ids:
            if it not in data.columns:
                data[it] = np.nan
        scored = score(data, inst, id_columns=ids, invalid="missing")
        frames.append(scored)
    if not frames:
        return pd.DataFrame(columns=[*ids, *C.SCORES_COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    tp_type = pd.CategoricalDtype(spec.timepoint_ids, ordered=True)
    out[C.TIMEPOINT] = out[C.TIMEPOINT].astype(tp_type)
    for col in (C.INSTRUMENT, C.SCALE, C.BAND):
        out[col] = out[col].astype(object)
    return out


def scale_info(linked: LinkedStudy) -> pd.DataFrame:
    """One row per scale the study scores, from the instrument objects the study resolved.

    Returns
    -------
    DataFrame
        ``instrument, scale, label, short_name, direction, method, n_items, min_answered,
        missing_rule_source, unanswered, score_min, score_max, primary,
        published_reliability, reliability_statistic, reliability_source, clinical_cutoff,
        clinical_cutoff_source, licence_tier, instrument_source, instrument_sha256,
        instrument_packaged``. ``primary`` and ``min_answered`` already carry the study's
        choices; ``instrument_source`` is the file the instrument was read from (a user's
        own file whose id equals a packaged one stays the user's).

    Examples
    --------
    >>> from evaltool import link_study
    >>> from evaltool.examples import example_study_path
    >>> info = scale_info(link_study(example_study_path())).set_index("scale")
    >>> bool(info.loc["cbi_work", "primary"]), info.loc["cbi_work", "direction"], bool(info.loc["brs", "primary"])
    (False, 'higher_worse', True)
    """
    rows = []
    for inst in linked.instruments.values():
        for s in inst.scales:
            lo, hi = inst.score_range(s)
            rel = s.reliability
            rows.append({
                "instrument": inst.id, "scale": s.id, "label": s.label, "short_name": inst.short_name,
                "direction": s.direction, "method": s.method, "n_items": len(s.items),
                "min_answered": s.min_answered(),
                "missing_rule_source": s.missing.source if s.missing else "all items",
                "unanswered": s.unanswered, "score_min": lo, "score_max": hi, "primary": bool(s.primary),
                "published_reliability": rel.value if rel else np.nan,
                "reliability_statistic": rel.statistic if rel else "",
                "reliability_source": rel.source if rel else "",
                "clinical_cutoff": s.clinical_cutoff if s.clinical_cutoff is not None else np.nan,
                "clinical_cutoff_source": s.clinical_cutoff_source or "",
                "licence_tier": inst.licence.tier,
                "instrument_source": getattr(inst, "source", ""),
                "instrument_sha256": getattr(inst, "sha256", ""),
                "instrument_packaged": bool(getattr(inst, "packaged", False)),
            })
    return pd.DataFrame(rows)
