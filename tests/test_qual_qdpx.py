"""Tests for evaltool.qual.qdpx (REFI-QDA project and codebook exchange).

Reference: REFI-QDA Project schema, QDA-XML 1.0 (18 March 2019),
``tests/reference/refi-qda/Project-mrt2019.xsd``; REFI-QDA 1.5 spec (offsets are code points,
first = 0; PEERS.md §3.3).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaltool.errors import DataProblemsError, EvaltoolWarning, InputError, ParameterError
from evaltool.qual.codebook import Code, Codebook
from evaltool.qual.intercoder import agreement
from evaltool.qual.qdpx import (
    CODEBOOK_TABLE_COLUMNS,
    NS_CODEBOOK,
    codebook_table,
    read_qdc,
    read_qdpx,
    to_qdc,
    to_qdpx,
)

XSD = Path(__file__).parent / "reference" / "refi-qda" / "Project-mrt2019.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


def _book() -> Codebook:
    return Codebook(
        id="test_book", name="Test", version="1",
        codes=[
            Code(id="system_context", label="Resilience as contextual", definition="Workload, staffing.",
                 include=["rota"], children=[
                     Code(id="workload", label="Workload", definition="Volume or pace of work."),
                 ]),
            Code(id="coaching_call", label="The coaching call", definition="The 1:1 call.",
                 color="#123456"),
            Code(id="themes", label="Folder", definition="A folder.", codable=False),
        ],
    )


TEXTS = [
    "Staffing was short — the rota is brutal 😀 but the call helped.",
    "Café au lait with colleagues: naïve to think 🧘‍♀️ fixes workload.",
    "n/a",
    "The call wasn't useful.",
]


def _answers() -> pd.DataFrame:
    return pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4"],
        "participant_id": ["P1", "P2", "P2", "P1"],
        "timepoint": ["T2", "T2", "T3", "T3"],
        "question": "feedback",
        "text": TEXTS,
        "cohort": ["C1", "C2", "C2", "C1"],
        "profession": ["midwife", "paramedic", "paramedic", "midwife"],
    })


def _span(rid: str, needle: str, code: str, coder: str) -> dict:
    text = TEXTS[int(rid[1:]) - 1]
    s = text.index(needle)
    return {"response_id": rid, "code": code, "start": s, "end": s + len(needle),
            "evidence": needle, "coder": coder}


def _codings() -> pd.DataFrame:
    return pd.DataFrame([
        _span("r1", "Staffing", "system_context", "rules"),
        _span("r1", "rota is brutal 😀", "workload", "rules"),
        _span("r1", "the call helped", "coaching_call", "rules"),
        _span("r1", "the call helped", "coaching_call", "Ana Ruiz"),
        _span("r2", "fixes workload", "workload", "Ana Ruiz"),
        _span("r2", "fixes workload", "system_context", "Ana Ruiz"),
        _span("r4", "call wasn't useful", "coaching_call", "rules"),
    ])


def _export(tmp_path: Path, **kw) -> Path:
    """Codes named by id, so the round trip can be compared exactly without the codebook (the
    default, labels, is checked in test_codes_are_named_by_label_by_default)."""
    kw.setdefault("code_names", "id")
    with pytest.warns(EvaltoolWarning):
        return to_qdpx(_answers(), _codings(), _book(), tmp_path / "p.qdpx", **kw)


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("project.qde")


def test_project_validates_against_refi_schema(tmp_path, schema):
    path = _export(tmp_path)
    schema.validate(io.BytesIO(_qde(path)))
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert names[0] == "project.qde"
    assert len([n for n in names if n.startswith("sources/") and n.endswith(".txt")]) == 4


def test_project_structure(tmp_path):
    path = _export(tmp_path)
    root = ET.fromstring(_qde(path))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    assert [u.get("name") for u in root.findall("q:Users/q:User", ns)] == ["rules", "Ana Ruiz"]
    top = root.findall("q:CodeBook/q:Codes/q:Code", ns)
    assert [c.get("name") for c in top] == ["system_context", "coaching_call", "themes"]
    assert top[0].find("q:Code", ns).get("name") == "workload"          # hierarchy kept
    assert top[0].find("q:Description", ns).text == "Workload, staffing."
    assert top[1].get("color") == "#123456" and top[2].get("isCodable") == "false"
    assert sorted(v.get("name") for v in root.findall("q:Variables/q:Variable", ns)) == [
        "cohort", "profession", "question", "timepoint"]
    cases = root.findall("q:Cases/q:Case", ns)
    assert [c.get("name") for c in cases] == ["P1", "P2"]
    assert len(cases[0].findall("q:SourceRef", ns)) == 2
    assert [t.text for t in cases[0].findall("q:VariableValue/q:TextValue", ns)] == ["C1", "midwife"]
    src = root.findall("q:Sources/q:TextSource", ns)
    assert src[0].get("plainTextPath") == f"internal://{src[0].get('guid')}.txt"
    sel = src[0].findall("q:PlainTextSelection", ns)
    # "the call helped" coded by two coders -> two selections, each with its creatingUser
    assert len(sel) == 4
    users = {u.get("name"): u.get("guid") for u in root.findall("q:Users/q:User", ns)}
    for s in sel:
        assert s.find("q:Coding", ns).get("creatingUser") == s.get("creatingUser")
    assert {s.get("creatingUser") for s in sel} == set(users.values())
    with zipfile.ZipFile(path) as zf:
        raw = zf.read(f"sources/{src[0].get('guid')}.txt")
    assert raw == TEXTS[0].encode("utf-8")                              # UTF-8, no BOM


def test_round_trip_identical_codings_with_emoji(tmp_path):
    path = _export(tmp_path)
    proj = read_qdpx(path)
    key = ["response_id", "code", "coder", "start"]
    got = proj.codings.sort_values(key).reset_index(drop=True)
    want = _codings().sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want[got.columns.tolist()], check_dtype=False)
    # offsets index the original text exactly (code points, emoji and combining sequences)
    texts = dict(zip(proj.answers.response_id, proj.answers.text, strict=True))
    for r in got.itertuples():
        assert texts[r.response_id][r.start:r.end] == r.evidence
    a = proj.answers
    assert a.columns.tolist()[:5] == ["response_id", "participant_id", "timepoint", "question", "text"]
    pd.testing.assert_frame_equal(a[_answers().columns.tolist()], _answers(), check_dtype=False)
    assert proj.codebook.columns.tolist() == list(CODEBOOK_TABLE_COLUMNS)
    assert proj.codebook.set_index("code").loc["workload", "parent"] == "system_context"


def test_agreement_from_round_trip(tmp_path):
    path = _export(tmp_path)
    proj = read_qdpx(path)
    res = agreement(proj.codings, answers=proj.answers, codes=_book())
    direct = agreement(_codings(), answers=_answers(), codes=_book())
    pd.testing.assert_frame_equal(res, direct)


def test_export_is_reproducible(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _export(tmp_path / "a")
    b = _export(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


def test_data_loss_warnings(tmp_path):
    cod = _codings().assign(rule="phrase:x", negated=False)
    with pytest.warns(EvaltoolWarning) as rec:
        to_qdpx(_answers(), cod, _book(), tmp_path / "p.qdpx")
    msgs = " ".join(str(w.message) for w in rec)
    assert "codebook fields ['label', 'include']" in msgs
    assert "coding columns ['rule', 'negated']" in msgs
    assert "Basic Multilingual Plane" in msgs
    assert "Staffing" not in msgs                        # no participant text in warnings


def test_no_warning_when_nothing_is_lost(tmp_path):
    answers = _answers().assign(text=["plain text"] * 4)
    cod = pd.DataFrame({"response_id": ["r1"], "code": ["a"], "start": [0], "end": [5],
                        "evidence": ["plain"], "coder": ["x"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_qdpx(answers, cod, None, tmp_path / "p.qdpx")


def test_evidence_mismatch_and_whole_answer(tmp_path):
    cod = pd.DataFrame({"response_id": ["r3", "r4"], "code": ["a", "a"], "start": [None, 4],
                        "end": [None, 8], "evidence": ["n/a", "WRONG"], "coder": ["x", "x"]})
    with pytest.warns(EvaltoolWarning) as rec:
        to_qdpx(_answers(), cod, None, tmp_path / "p.qdpx")
    assert any("evidence text of 1 coding(s)" in str(w.message) for w in rec)
    got = read_qdpx(tmp_path / "p.qdpx").codings
    assert got[["start", "end", "evidence"]].values.tolist() == [[0, 3, "n/a"], [4, 8, "call"]]


def test_participant_question_unit(tmp_path, schema):
    path = _export(tmp_path, unit="participant_question")
    schema.validate(io.BytesIO(_qde(path)))
    proj = read_qdpx(path)
    assert proj.answers["response_id"].tolist() == ["P1 · feedback", "P2 · feedback"]
    p1 = proj.answers.loc[0, "text"]
    assert p1 == f"[T2]\n{TEXTS[0]}\n\n[T3]\n{TEXTS[3]}"
    # evidence survives the shift into the concatenated source
    got = proj.codings.sort_values(["response_id", "start", "coder"])
    assert sorted(got["evidence"]) == sorted(_codings()["evidence"])
    for r in got.itertuples():
        text = proj.answers.set_index("response_id").loc[r.response_id, "text"]
        assert text[r.start:r.end] == r.evidence


def test_codebook_labels_as_names(tmp_path):
    with pytest.warns(EvaltoolWarning):
        path = to_qdpx(_answers(), _codings(), _book(), tmp_path / "p.qdpx", code_names="label")
    raw = read_qdpx(path)
    assert "The coaching call" in set(raw.codings["code"])
    assert raw.codebook.set_index("code").loc["Workload", "parent"] == "Resilience as contextual"
    mapped = read_qdpx(path, codebook=_book())
    assert set(mapped.codings["code"]) == set(_codings()["code"])


def test_codes_are_named_by_label_by_default(tmp_path):
    """Issue 15: QDA software users see the codes' labels; read back with the codebook, the
    codings are the ids again."""
    with pytest.warns(EvaltoolWarning):
        path = to_qdpx(_answers(), _codings(), _book(), tmp_path / "p.qdpx")
    assert "The coaching call" in set(read_qdpx(path).codings["code"])
    assert set(read_qdpx(path, codebook=_book()).codings["code"]) == set(_codings()["code"])
    with pytest.warns(EvaltoolWarning):
        qdc = to_qdc(_book(), tmp_path / "book.qdc")
    assert "Workload" in set(read_qdc(qdc)["code"])


def test_qdc_round_trip_and_schema(tmp_path, schema):
    with pytest.warns(EvaltoolWarning, match="codebook fields"):
        path = to_qdc(_book(), tmp_path / "book.qdc", code_names="id")
    root = ET.fromstring(path.read_bytes())
    assert root.tag == f"{{{NS_CODEBOOK}}}CodeBook"
    table = read_qdc(path)
    pd.testing.assert_frame_equal(table, codebook_table(_book()))
    # the Code elements follow the schema's CodeType: validate them inside a minimal Project
    xml = path.read_text(encoding="utf-8").replace(NS_CODEBOOK, "urn:QDA-XML:project:1.0")
    xml = xml.replace("<CodeBook", '<Project name="x"><CodeBook').replace(
        "</CodeBook>", "</CodeBook></Project>").replace(' origin="evaltool 0.1.0"', "")
    xml = xml.replace('<Project name="x"><CodeBook xmlns="urn:QDA-XML:project:1.0">',
                      '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook>')
    schema.validate(io.BytesIO(xml.split("?>", 1)[1].encode("utf-8")))
    # a table read back writes the same file again (no data-loss warning now)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = to_qdc(table, tmp_path / "again.qdc")
    assert again.read_bytes() == path.read_bytes()


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="From ATLAS" origin="ATLAS.ti 23.2.3">
 <qda:Users><qda:User guid="{0A1B2C3D-0000-4000-8000-00000000000A}" name="Maria"/></qda:Users>
 <qda:CodeBook><qda:Codes>
  <qda:Code guid="AAAAAAAA-1111-4111-8111-111111111111" name="Feelings" isCodable="false">
   <qda:Code guid="BBBBBBBB-2222-4222-8222-222222222222" name="shame" isCodable="true"/>
  </qda:Code>
  <qda:Code guid="CCCCCCCC-3333-4333-8333-333333333333" name="support" isCodable="true"/>
 </qda:Codes></qda:CodeBook>
 <qda:Variables><qda:Variable guid="DDDDDDDD-4444-4444-8444-444444444444" name="Age" typeOfVariable="Integer"/></qda:Variables>
 <qda:Cases><qda:Case guid="EEEEEEEE-5555-4555-8555-555555555555" name="Interviewee 7">
  <qda:VariableValue><qda:VariableRef targetGUID="{dddddddd-4444-4444-8444-444444444444}"/><qda:IntegerValue>41</qda:IntegerValue></qda:VariableValue>
  <qda:SourceRef targetGUID="ffffffff-6666-4666-8666-666666666666"/>
 </qda:Case></qda:Cases>
 <qda:Sources>
  <qda:TextSource guid="{FFFFFFFF-6666-4666-8666-666666666666}" name="Interview 7.txt" plainTextPath="internal://FFFFFFFF-6666-4666-8666-666666666666.txt">
   <qda:PlainTextSelection guid="99999999-7777-4777-8777-777777777777" startPosition="7" endPosition="12" creatingUser="{0a1b2c3d-0000-4000-8000-00000000000a}">
    <qda:Coding guid="99999999-8888-4888-8888-888888888888"><qda:CodeRef targetGUID="bbbbbbbb-2222-4222-8222-222222222222"/></qda:Coding>
   </qda:PlainTextSelection>
  </qda:TextSource>
  <qda:TextSource guid="12345678-9999-4999-8999-999999999999" name="Memo-like">
   <qda:PlainTextContent>Ça va 🙂 support</qda:PlainTextContent>
   <qda:PlainTextSelection guid="12345678-aaaa-4aaa-8aaa-aaaaaaaaaaaa" startPosition="8" endPosition="15">
    <qda:Coding guid="12345678-bbbb-4bbb-8bbb-bbbbbbbbbbbb" creatingUser="0A1B2C3D-0000-4000-8000-00000000000A"><qda:CodeRef targetGUID="CCCCCCCC-3333-4333-8333-333333333333"/></qda:Coding>
   </qda:PlainTextSelection>
   <qda:PlainTextSelection guid="12345678-cccc-4ccc-8ccc-cccccccccccc" startPosition="8" endPosition="99">
    <qda:Coding guid="12345678-dddd-4ddd-8ddd-dddddddddddd"><qda:CodeRef targetGUID="CCCCCCCC-3333-4333-8333-333333333333"/></qda:Coding>
   </qda:PlainTextSelection>
   <qda:Coding guid="12345678-eeee-4eee-8eee-eeeeeeeeeeee" creatingUser="0A1B2C3D-0000-4000-8000-00000000000A"><qda:CodeRef targetGUID="CCCCCCCC-3333-4333-8333-333333333333"/></qda:Coding>
  </qda:TextSource>
  <qda:PictureSource guid="12345678-ffff-4fff-8fff-ffffffffffff" name="photo" path="internal://x.jpg"/>
 </qda:Sources>
</qda:Project>
"""


def test_read_project_from_another_tool(tmp_path, schema):
    schema.validate(io.BytesIO(FOREIGN.encode("utf-8")))
    path = tmp_path / "atlas.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", FOREIGN)
        zf.writestr("Sources/FFFFFFFF-6666-4666-8666-666666666666.txt",
                    "\ufeffI felt shame after 😀.".encode())
    with pytest.warns(EvaltoolWarning) as rec:
        proj = read_qdpx(path)
    msg = " ".join(str(w.message) for w in rec)
    assert "1 PictureSource source(s)" in msg and "1 selection(s) outside" in msg
    a = proj.answers.set_index("response_id")
    assert a.loc["Interview 7.txt", "text"] == "I felt shame after 😀."      # BOM dropped
    assert a.loc["Interview 7.txt", "participant_id"] == "Interviewee 7"
    assert a.loc["Interview 7.txt", "Age"] == 41
    assert pd.isna(a.loc["Memo-like", "participant_id"])
    c = proj.codings
    assert c[["response_id", "code", "start", "end", "evidence", "coder"]].values.tolist() == [
        ["Interview 7.txt", "shame", 7, 12, "shame", "Maria"],
        ["Memo-like", "support", 8, 15, "support", "Maria"],
        ["Memo-like", "support", 0, 15, "Ça va 🙂 support", "Maria"],
    ]
    assert proj.codebook["code"].tolist() == ["Feelings", "shame", "support"]
    assert proj.codebook["is_codable"].tolist() == [False, True, True]
    assert proj.codebook["parent"].tolist()[1] == "Feelings"


def test_errors(tmp_path):
    bad = _codings()
    bad.loc[0, "end"] = 999
    bad.loc[1, "response_id"] = "nope"
    with pytest.raises(DataProblemsError) as exc:
        to_qdpx(_answers(), bad, _book(), tmp_path / "p.qdpx")
    probs = exc.value.problems
    assert set(probs["rule"]) == {"bad_offsets", "unknown_answer"}
    assert not probs["value"].astype(str).str.contains("Staffing").any()
    assert "Staffing" not in str(exc.value)
    with pytest.raises(ParameterError, match="not in the codebook"):
        to_qdpx(_answers(), _codings().assign(code="zzz"), _book(), tmp_path / "p.qdpx")
    with pytest.raises(ParameterError, match="not unique"):
        to_qdpx(pd.concat([_answers(), _answers()]), _codings(), _book(), tmp_path / "p.qdpx")
    with pytest.raises(ParameterError, match="'unit'"):
        to_qdpx(_answers(), _codings(), _book(), tmp_path / "p.qdpx", unit="sentence")
    (tmp_path / "x.qdpx").write_text("not a zip")
    with pytest.raises(InputError, match="ZIP"):
        read_qdpx(tmp_path / "x.qdpx")
    with zipfile.ZipFile(tmp_path / "y.qdpx", "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(InputError, match="project.qde"):
        read_qdpx(tmp_path / "y.qdpx")
    (tmp_path / "z.qdc").write_text("<Project name='x'/>")
    with pytest.raises(InputError, match="not a REFI-QDA codebook"):
        read_qdc(tmp_path / "z.qdc")


def test_inputs_not_mutated(tmp_path):
    answers, codings = _answers(), _codings()
    a0, c0 = answers.copy(), codings.copy()
    with pytest.warns(EvaltoolWarning):
        to_qdpx(answers, codings, _book(), tmp_path / "p.qdpx")
    pd.testing.assert_frame_equal(answers, a0)
    pd.testing.assert_frame_equal(codings, c0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip_property(tmp_path_factory, data):
    """Export → import gives back every text and coding exactly, for any Unicode text
    (accents, emoji, combining marks, CR/LF), any spans and several coders."""
    alphabet = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff")
    texts = data.draw(st.lists(st.text(alphabet, min_size=1, max_size=40), min_size=1, max_size=5))
    answers = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(texts))], "text": texts})
    rows = []
    for i, t in enumerate(texts):
        for _ in range(data.draw(st.integers(0, 3))):
            s = data.draw(st.integers(0, len(t) - 1))
            e = data.draw(st.integers(s + 1, len(t)))
            rows.append({"response_id": f"r{i}", "code": data.draw(st.sampled_from(["a", "b"])),
                         "start": s, "end": e, "evidence": t[s:e],
                         "coder": data.draw(st.sampled_from(["x", "y"]))})
    codings = pd.DataFrame(rows, columns=["response_id", "code", "start", "end", "evidence", "coder"])
    path = tmp_path_factory.mktemp("rt") / "p.qdpx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvaltoolWarning)
        to_qdpx(answers, codings, ["a", "b"], path)
    proj = read_qdpx(path)
    assert proj.answers["text"].tolist() == texts
    key = ["response_id", "start", "end", "coder", "code"]
    got = proj.codings.sort_values(key).reset_index(drop=True)
    want = codings.drop_duplicates(key).sort_values(key).reset_index(drop=True)
    assert got[list(want.columns)].values.tolist() == want.values.tolist()


def test_participants_table_gives_case_variables(tmp_path, schema):
    people = pd.DataFrame({"participant_id": ["P1", "P2"], "cohort": ["C1", "C2"],
                           "band": ["6", None]})
    answers = _answers().drop(columns=["cohort", "profession"])
    with pytest.warns(EvaltoolWarning):
        path = to_qdpx(answers, _codings(), _book(), tmp_path / "p.qdpx", participants=people)
    schema.validate(io.BytesIO(_qde(path)))
    a = read_qdpx(path).answers.set_index("response_id")
    assert a.loc["r1", "cohort"] == "C1"
    assert pd.isna(a.loc["r2", "band"])
    assert a.loc["r4", "band"] == "6" and a.loc["r4", "timepoint"] == "T3"
