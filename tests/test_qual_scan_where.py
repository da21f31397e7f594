"""Exclusion and context scans by RE2 over the whole corpus (evaltool.qual._corpus.scan_where)
find exactly what the Python pattern finds in the answers asked about; the chunks of the
parallel coder are even; the RE2 programs are built before the workers fork."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from evaltool.qual import _corpus as K
from evaltool.qual import _engine as E
from evaltool.qual import _valence_jobs as VJ
from evaltool.qual import code
from evaltool.qual.codebook import load_codebook


@pytest.fixture(scope="module")
def comp():
    return E.compile_codebook(load_codebook("resilience_training"))


def _patterns(comp):
    out = [(ex, original) for cm in comp.codes for ex, original, _, _ in cm.excludes]
    for cm in comp.codes:
        for ctx in cm.contexts:
            out += [(p, original) for p, original in ((ctx.phrases, False), (ctx.regex, True)) if p is not None]
    return out


@pytest.mark.skipif(not E.USE_RE2, reason="needs google-re2")
def test_scan_where_equals_the_python_scan_of_the_same_answers(comp):
    from bench.bench_qual import make_distinct_answers

    texts = make_distinct_answers(3_000, seed=23) + ["Café staff — the call wasn't useful", "naïve: too long, –"]
    corpus = E.build_corpus(texts, comp)
    rng = np.random.default_rng(23)
    n = len(corpus.low)
    patterns = _patterns(comp)
    assert len(patterns) >= 5
    scanned_by_re2 = 0
    for pattern, original in patterns:
        for share in (1.0, 0.5, 0.05):
            where = np.sort(rng.choice(n, size=max(1, int(share * n)), replace=False)).astype(np.int64)
            got = K.scan_where(corpus, pattern, where, original)
            want = K.scan_subset(corpus, pattern, where, original=original)
            assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
            assert got[2] == want[2]
            scanned_by_re2 += K.where_re2(corpus, pattern, where) is not None
    assert scanned_by_re2 > 0
    assert sum(len(K.scan_subset(corpus, p, np.arange(n), original=o)[0]) for p, o in patterns) > 50


@pytest.mark.parametrize("n, jobs", [(10_000, 2), (27_000, 2), (269_324, 2), (12_001, 3), (50_000, 7)])
def test_chunks_are_even_and_cover_every_text(n, jobs):
    bounds = VJ._bounds(n, jobs)
    sizes = np.diff(bounds)
    assert bounds[0] == 0 and bounds[-1] == n and (sizes > 0).all()
    assert sizes.max() <= VJ.CHUNK and sizes.max() - sizes.min() <= 1
    assert len(sizes) % jobs == 0


@pytest.mark.skipif(not E.USE_RE2, reason="needs google-re2")
def test_re2_programs_are_built_before_the_fork_and_no_thread_is_left(comp):
    from bench.bench_qual import make_answers

    book = load_codebook("resilience_training")
    texts = [f"{t} {i}" for i, t in enumerate(make_answers(VJ.MIN_PARALLEL + 500, seed=29))]
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    parallel = code(df, book, n_jobs=2)
    assert getattr(E.compile_codebook(book), "_re2_warm", False)
    assert not [t for t in threading.enumerate() if t.name == "evaltool-re2-warm"]
    pd.testing.assert_frame_equal(parallel, code(df, book))


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_work_beside_the_coding_runs_once(n_jobs):
    from bench.bench_qual import make_answers
    from evaltool._parallel import fork_map
    from evaltool.qual import code_and_valence

    book = load_codebook("resilience_training")
    texts = [f"{t} {i}" for i, t in enumerate(make_answers(VJ.MIN_PARALLEL + 500, seed=31))]
    df = pd.DataFrame({"response_id": range(len(texts)), "text": texts})
    calls = []
    with VJ.meanwhile(lambda: calls.append(len(threading.enumerate()))):
        both = code_and_valence(df, book, n_jobs=n_jobs)
    assert len(calls) == 1
    assert VJ._MEANWHILE.get() is None
    pd.testing.assert_frame_equal(both[0], code(df, book))
    assert fork_map(lambda xs: [x + 1 for x in xs], list(range(50)), n_jobs=2, meanwhile=lambda: calls.append(0)) == \
        list(range(1, 51)) and len(calls) == 2
