"""The linear REFI-QDA writer (evaltool.qual._qdpx_write) gives what ElementTree and zipfile gave.

``project.qde`` is written as text in one pass; these tests check it is exactly ElementTree's
indented serialisation of the same document (hostile names, values and texts), that the GUIDs
equal the UUID 5 ones, and that the ZIP writer gives zipfile's bytes (ZIP64 end record past
65,535 entries included).
"""

from __future__ import annotations

import warnings
import zipfile
from xml.etree import ElementTree as ET

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaltool.qual._qdpx_read import _guid
from evaltool.qual._qdpx_write import _fast_zip, _write, fast_guid
from evaltool.qual.qdpx import read_qdpx, to_qdpx

# no carriage return: an XML parser turns a raw one in element text into a line feed, so the
# re-serialisation below would differ from a correct file (attributes escape it as &#13;)
NASTY = st.text(alphabet=st.sampled_from(list('ab <>&"\'\t\n=é😀;')), min_size=1, max_size=10)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=6), st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=4))
def test_fast_guid_is_the_uuid5_guid(kind, parts):
    assert fast_guid(kind, *parts) == _guid(kind, *parts)


def _reserialised(project: bytes) -> bytes:
    root = ET.fromstring(project)
    ET.register_namespace("", "urn:QDA-XML:project:1.0")
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(NASTY, NASTY, NASTY, st.sampled_from(["T1", "T2"])), min_size=1, max_size=6, unique_by=lambda t: t[0]),
       NASTY)
def test_project_xml_is_elementtrees_serialisation(tmp_path_factory, rows, name):
    answers = pd.DataFrame({"response_id": [r[0] for r in rows], "participant_id": [r[1] for r in rows],
                            "timepoint": [r[3] for r in rows], "question": "q1", "text": [r[2] for r in rows],
                            "cohort": [r[1][:1] for r in rows]})
    codings = pd.DataFrame({"response_id": [r[0] for r in rows], "code": "workload", "start": 0,
                            "end": [len(r[2]) for r in rows], "coder": [["evaltool-rules", "ann <&>"][i % 2] for i in range(len(rows))]})
    path = tmp_path_factory.mktemp("q") / "p.qdpx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to_qdpx(answers, codings, None, path, name=name)
        back = read_qdpx(path)
    project = zipfile.ZipFile(path).read("project.qde")
    assert project == _reserialised(project)
    assert sorted(back.answers["text"]) == sorted(answers["text"])
    assert len(back.codings) == len(codings)


def test_fast_zip_gives_zipfiles_bytes(tmp_path):
    for n in (0, 3, 66_000):  # past 65,535 entries: the ZIP64 end record
        entries = [("project.qde", b"<Project/>" * 50, zipfile.ZIP_DEFLATED)] + [
            (f"sources/{i:06d}.txt", f"answer {i} é".encode() * (i % 4), zipfile.ZIP_STORED if i % 2 else zipfile.ZIP_DEFLATED)
            for i in range(n)]
        _fast_zip(tmp_path / "fast.zip", entries)
        with zipfile.ZipFile(tmp_path / "ref.zip", "w") as zf:
            for name, data, method in entries:
                _write(zf, name, data, method)
        assert (tmp_path / "fast.zip").read_bytes() == (tmp_path / "ref.zip").read_bytes(), n
        with zipfile.ZipFile(tmp_path / "fast.zip") as zf:
            assert zf.testzip() is None and len(zf.namelist()) == n + 1


def test_deflate_text_is_deflating_the_whole_text(tmp_path, monkeypatch):
    """The project is deflated as it is produced: the same bytes as deflating it whole, and the
    ZIP is the same as zipfile writes from the whole text (and readable past the ZIP64 limit)."""
    import zlib

    from evaltool.qual import _qdpx_write as Wr

    parts = [f"<a n='{i}'>é {'x' * (i % 97)} \ud800 😀</a>\n" for i in range(30_000)]
    whole = "".join(parts).encode("utf-8", "xmlcharrefreplace")
    for chunk, level in ((1, 1), (1000, 6), (1 << 22, Wr.PROJECT_LEVEL)):
        body, crc, size = Wr.deflate_text(iter(parts), chunk=chunk, level=level)
        assert body == zlib.compress(whole, level, -15)
        assert (crc, size) == (zlib.crc32(whole), len(whole))
    records = [{"guid": f"G{i}", "text": f"answer {i}"} for i in range(3)]
    Wr.write_project(tmp_path / "streamed.qdpx", Wr.deflate_text(parts), records)
    with zipfile.ZipFile(tmp_path / "streamed.qdpx") as zf:
        assert zf.testzip() is None and zf.read("project.qde") == whole
    monkeypatch.setattr(Wr, "_SMALL_ZIP_LIMIT", 0)  # the standard library's ZIP64 writer
    Wr.write_project(tmp_path / "zip64.qdpx", Wr.deflate_text(parts), records)
    with zipfile.ZipFile(tmp_path / "zip64.qdpx") as zf:
        assert zf.testzip() is None and zf.read("project.qde") == whole
        assert zf.read("sources/G2.txt") == b"answer 2"


def test_blocks_and_mixed_values_give_the_same_project(tmp_path, monkeypatch):
    """The Cases and Sources text is built a block at a time: any block size gives the same
    file; values equal as numbers but of other types (1, 1.0, True, "1") keep their own text,
    missing ones are left out, and an exact repeat of a coding is written once."""
    from evaltool.qual import _qdpx_text as T

    n = 23
    answers = pd.DataFrame({"response_id": [f"r{i}" for i in range(n)],
                            "participant_id": [None if i == 4 else f"P{i % 5}" for i in range(n)],
                            "timepoint": [[1, 1.0, True, "1", None, float("nan")][i % 6] for i in range(n)],
                            "question": "q<1>", "text": [f"answer {i} & more" for i in range(n)]})
    codings = pd.DataFrame({"response_id": [f"r{i % n}" for i in range(2 * n + 1)], "code": "workload",
                            "start": 0, "end": 6, "coder": "evaltool-rules"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to_qdpx(answers, codings, None, tmp_path / "one.qdpx")
        monkeypatch.setattr(T, "BLOCK", 2)
        to_qdpx(answers, codings, None, tmp_path / "blocks.qdpx")
    one = zipfile.ZipFile(tmp_path / "one.qdpx").read("project.qde")
    assert one == zipfile.ZipFile(tmp_path / "blocks.qdpx").read("project.qde")
    assert one == _reserialised(one)
    root = ET.fromstring(one)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    values = [el.text for el in root.iterfind(".//q:TextSource/q:VariableValue/q:TextValue", ns)
              if el.text not in ("q<1>",)]
    assert values == [str(v) for i in range(n) for v in [[1, 1.0, True, "1", None, None][i % 6]] if v is not None]
    assert len(root.findall(".//q:Coding", ns)) == n  # the repeated coding of r0 once
    assert len(root.findall(".//q:Case", ns)) == 5
