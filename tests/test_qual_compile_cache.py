"""The disk cache of compiled codebooks (evaltool.qual._compile_cache)."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from evaltool.qual import _compile as K
from evaltool.qual import _compile_cache as cache
from evaltool.qual import code, load_codebook

TEXTS = pd.Series([
    "The 1:1 call was useful but too long",
    "Hearing other midwives felt the same was reassuring; more examples for paramedics please",
    "I use the breathing exercise at home, not sure the coaching call added much",
    "Zoom kept cutting out so I missed half of it, would prefer face to face",
    "n/a",
], index=["a", "b", "c", "d", "e"])


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty cache folder and no compiled codebook in this process."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("EVALTOOL_CACHE_DIR", str(folder))
    monkeypatch.setattr(K, "_CACHE", {})
    monkeypatch.setattr(K, "_BY_CONTENT", {})
    return folder


def _forget(monkeypatch):
    monkeypatch.setattr(K, "_CACHE", {})
    monkeypatch.setattr(K, "_BY_CONTENT", {})


def test_cached_codebook_codes_exactly_like_a_fresh_compile(fresh, monkeypatch):
    book = load_codebook("resilience_training")
    first = code(TEXTS, book)
    entries = list(fresh.glob("codebook-*.pickle"))
    assert len(entries) == 1
    _forget(monkeypatch)
    calls = []
    monkeypatch.setattr(K, "_compile", lambda b: calls.append(b))  # a cache hit never compiles
    second = code(TEXTS, book)
    assert calls == []
    pd.testing.assert_frame_equal(first, second)
    assert len(first) > 5


def test_loaded_patterns_equal_the_compiled_ones(fresh, monkeypatch):
    book = load_codebook("resilience_training")
    compiled = K.compile_codebook(book)
    loaded = cache.load(K._content_key(book))
    assert loaded is not None
    for a, b in zip(compiled.codes, loaded.codes, strict=True):
        assert [(p.pattern, p.flags, p.groupindex) for p, _ in a.units] == \
               [(p.pattern, p.flags, p.groupindex) for p, _ in b.units]
    assert loaded.negation.pattern == compiled.negation.pattern
    assert loaded.clause.flags == compiled.clause.flags


def test_corrupt_entry_is_ignored_and_rewritten(fresh, monkeypatch):
    book = load_codebook("resilience_training")
    expected = code(TEXTS, book)
    (entry,) = fresh.glob("codebook-*.pickle")
    entry.write_bytes(b"not a pickle")
    _forget(monkeypatch)
    pd.testing.assert_frame_equal(code(TEXTS, book), expected)
    assert cache.load(K._content_key(book)) is not None  # rewritten whole


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder_still_codes(fresh, monkeypatch):
    fresh.mkdir()
    fresh.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        out = code(TEXTS, load_codebook("resilience_training"))
    finally:
        fresh.chmod(stat.S_IRWXU)
    assert len(out) and not list(fresh.iterdir())


def test_folder_that_is_a_file_still_codes(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("EVALTOOL_CACHE_DIR", str(blocker / "sub"))
    _forget(monkeypatch)
    assert not cache.save("key", object())
    assert len(code(TEXTS, load_codebook("resilience_training"))) > 0


def test_switched_off_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("EVALTOOL_CACHE_DIR", "off")
    assert cache.cache_dir() is None and cache.cache_path("k") is None
    monkeypatch.delenv("EVALTOOL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "evaltool"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored (XDG spec)
    assert cache.cache_dir() == cache.Path.home() / ".cache" / "evaltool"


def test_key_depends_on_content_and_entry_holds_no_answers(fresh):
    book = load_codebook("resilience_training")
    other = book.model_copy(update={"min_letters": book.min_letters + 1})
    assert K._content_key(book) != K._content_key(other)
    assert cache.cache_path(K._content_key(book)) != cache.cache_path(K._content_key(other))
    code(pd.Series(["A very distinctive sentence about zebras 7781"]), book)
    raw = b"".join(p.read_bytes() for p in fresh.glob("codebook-*.pickle"))
    assert b"zebras 7781" not in raw


def test_key_depends_on_the_compiler_source(fresh, monkeypatch):
    a = cache.cache_path("k")
    monkeypatch.setattr(cache, "_source_digest", lambda: "edited")
    assert cache.cache_path("k") != a


def test_a_checked_codebook_file_is_not_checked_again(fresh, monkeypatch, tmp_path):
    """A codebook file that passed every check is stored (keyed by its bytes): loading it
    again (a new process: the in-process cache forgotten) does not run the checks, and gives
    an equal codebook."""
    from evaltool._resources import codebooks_dir
    from evaltool.qual import codebook as CB

    path = tmp_path / "mine.yaml"
    path.write_bytes((codebooks_dir() / "resilience_training.yaml").read_bytes())
    first = load_codebook(path)
    assert len(list(fresh.glob("validated-*.pickle"))) == 1
    CB._load_path.cache_clear()
    monkeypatch.setattr(CB, "_validate", lambda *a: pytest.fail("checked again"))
    assert load_codebook(path) == first


def test_a_codebook_file_with_a_problem_reports_it_every_time(fresh, tmp_path):
    """Only files that passed are stored: a broken file is checked (and fails with the same
    message) on every load, and a file fixed afterwards (new bytes) is checked afresh."""
    from evaltool.errors import CodebookError
    from evaltool.qual import codebook as CB

    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: B\nversion: '1'\ncodes:\n  - id: c\n    label: C\n"
                    "    definition: C.\n    rules:\n      - phrases: ['(busy|stretched']\n", encoding="utf-8")
    messages = []
    for _ in range(2):
        CB._load_path.cache_clear()
        with pytest.raises(CodebookError) as err:
            load_codebook(path)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "missing ')'" in messages[0]
    assert list(fresh.glob("validated-*.pickle")) == []
