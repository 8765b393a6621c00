"""medfact.corpora: the per-case context index, persisted BM25 corpora, and corpus loaders."""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from medfact.corpora import (
    BM25Corpus,
    ContextIndex,
    LoadReport,
    Passage,
    corpus_dir,
    detect_format,
    iter_jsonl,
    iter_medquad,
    iter_pubmedqa,
)
from medfact.corpora.context import fast_stems
from medfact.errors import ConfigError, CorpusError, InputError
from medfact.registry import corpora
from medfact.textutil import content_stems
from medfact.types import Evidence, Sentence

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NIDDK = DATA / "medquad" / "5_NIDDK_QA"
PUBMEDQA = DATA / "pubmedqa" / "ori_pqal.json"

CONTEXT = (
    "A 67-year-old man reports pain in the left knee for three days. "
    "He has type 2 diabetes treated with metformin 500 mg twice daily. "
    "He denies fever. Aspiration of the joint yielded cloudy fluid with crystals. "
    "Serum uric acid is 9.1 mg/dL."
)


def split(text: str) -> list[Sentence]:
    """A plain sentence splitter for tests (the real segmenter lives elsewhere)."""
    out = []
    for match in re.finditer(r"(?:[^.]|\.(?!\s|$))+\.?", text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            out.append(Sentence(index=len(out), span=(start, end), text=text[start:end]))
    return out


# -- ContextIndex ---------------------------------------------------------------------------------


def test_context_chunks_are_sentences_and_windows_with_exact_spans() -> None:
    sentences = split(CONTEXT)
    index = ContextIndex(CONTEXT, sentences, window=2)
    chunks = index.chunks
    assert len(sentences) == 5
    assert len(chunks) == 5 + 4
    for chunk in chunks:
        assert chunk.source == "context"
        assert chunk.text == CONTEXT[chunk.span[0] : chunk.span[1]]
    assert [c.doc_id for c in chunks[:3]] == ["s0", "s0-1", "s1"]
    assert chunks[1].span == (sentences[0].span[0], sentences[1].span[1])
    assert len(ContextIndex(CONTEXT, sentences, window=1)) == 5
    assert len(ContextIndex(CONTEXT, sentences, window=3)) == 5 + 3
    short = ContextIndex(CONTEXT, sentences[:2], window=3)  # fewer sentences than the window
    assert len(short) == 2 and short.search("knee")[0].doc_id == "s0"


def test_context_ranks_the_knee_sentence_first() -> None:
    index = ContextIndex(CONTEXT, split(CONTEXT))
    hits = index.search("pain in the right knee", k=3)
    assert hits[0].doc_id == "s0"
    assert "left knee" in hits[0].text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(isinstance(h, Evidence) for h in hits)
    assert len(index.search("knee", k=1)) == 1


def test_context_no_overlap_and_empty_inputs_return_nothing() -> None:
    index = ContextIndex(CONTEXT, split(CONTEXT))
    assert index.search("zebra astronomy") == []
    assert index.search("") == []
    assert index.search("the and of") == []  # stopwords only
    assert index.search("knee", k=0) == []
    assert ContextIndex("", []).search("knee") == []


def test_context_one_character_tokens_and_ties_by_position() -> None:
    text = "Vitamin D was low. Vitamin B was normal. Vitamin D was low."
    index = ContextIndex(text, split(text), window=1)
    hits = index.search("vitamin D")
    assert [h.doc_id for h in hits[:2]] == ["s0", "s2"]  # equal scores: first one first
    assert hits[0].score == pytest.approx(hits[1].score)
    assert hits[0].score > hits[2].score


def test_context_scores_match_a_reference_bm25() -> None:
    sentences = split(CONTEXT)
    index = ContextIndex(CONTEXT, sentences, window=2)
    docs = [Counter(content_stems(c.text)) for c in index.chunks]
    avg = sum(d.total() for d in docs) / len(docs)
    query = "type 2 diabetes metformin knee pain"
    expected = {}
    for i, doc in enumerate(docs):
        score = 0.0
        for term in set(content_stems(query)):
            df = sum(1 for d in docs if term in d)
            if doc[term]:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                tf = doc[term]
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * doc.total() / avg))
        if score:
            expected[i] = score
    got = index.scores(query)
    assert got.keys() == expected.keys()
    for i, score in expected.items():
        assert got[i] == pytest.approx(score)
    assert index.search_many([query, "fever"], k=2) == [
        index.search(query, 2),
        index.search("fever", 2),
    ]


def test_context_rejects_bad_window_and_spans() -> None:
    with pytest.raises(ConfigError):
        ContextIndex(CONTEXT, split(CONTEXT), window=0)
    with pytest.raises(InputError):
        ContextIndex("short", [Sentence(index=0, span=(0, 50), text="short")])


def test_context_factory_is_registered() -> None:
    builder = corpora.create("context.v1", {"window": 3})
    index = builder(CONTEXT, split(CONTEXT))
    assert isinstance(index, ContextIndex) and index.window == 3
    with pytest.raises(ConfigError):
        corpora.create("context.v1", {"window": 0})


def test_fast_stems_equal_content_stems() -> None:
    for text in [
        CONTEXT,
        "JOHN'S Dr. O'Neil doesn't take 0.5 mg; BP 120/80 mm Hg, type 1 & vitamin D.",
        "Ünïcode café naïve – dashes, MRI T2-weighted, HbA1c 7,5 %",
        "",
    ]:
        assert fast_stems(text) == content_stems(text)


# -- BM25Corpus -----------------------------------------------------------------------------------

PASSAGES = [
    Passage("p1", "Vitamin D deficiency softens bones and causes rickets in children.", "Rickets"),
    Passage("p2", "Vitamin B12 deficiency causes anemia and nerve damage.", "B12"),
    Passage("p3", "Type 1 diabetes is an autoimmune loss of insulin-producing cells.", None),
    Passage("p4", "Type 2 diabetes is insulin resistance, often treated with metformin.", None),
    Passage("p5", "Osteoarthritis of the knee causes pain and stiffness.", "Knee pain", {"n": 1}),
    Passage("p6", "Gout attacks follow uric acid crystals forming in a joint.", "Gout"),
]


@pytest.fixture()
def built(tmp_path: Path) -> BM25Corpus:
    return BM25Corpus.build("toy", PASSAGES, tmp_path / "toy")


def test_bm25_round_trip(built: BM25Corpus, tmp_path: Path) -> None:
    loaded = BM25Corpus.load(tmp_path / "toy", verify=True)
    assert len(loaded) == len(PASSAGES) and loaded.name == "toy"
    assert [p.doc_id for p in loaded.iter_passages()] == [p.doc_id for p in PASSAGES]
    assert loaded.passage(4) == PASSAGES[4]
    hits = loaded.search("knee stiffness", k=3)
    assert hits[0].doc_id == "p5"
    assert hits[0].source == "toy"
    assert hits[0].text == PASSAGES[4].text  # the title is indexed, not returned
    assert hits[0].span == (0, len(PASSAGES[4].text))
    assert loaded.search("knee stiffness", k=3) == built.search("knee stiffness", k=3)
    assert loaded.search_many(["gout", "rickets"], k=1)[1][0].doc_id == "p1"  # title only
    manifest = json.loads((tmp_path / "toy" / "manifest.json").read_text())
    assert manifest["passages"] == 6 and len(manifest["passages_file"]["sha256"]) == 64
    assert {"medfact_version", "built_at", "tokenizer", "bm25"} <= manifest.keys()


def test_bm25_one_character_tokens(built: BM25Corpus) -> None:
    assert built.search("vitamin D", k=1)[0].doc_id == "p1"
    assert built.search("vitamin B12", k=1)[0].doc_id == "p2"
    assert built.search("type 2", k=1)[0].doc_id == "p4"
    assert built.search("type 1", k=1)[0].doc_id == "p3"


def test_bm25_no_match_and_k(built: BM25Corpus) -> None:
    assert built.search("zebra astronomy") == []
    assert built.search("") == []
    assert built.search("deficiency", k=0) == []
    hits = built.search("deficiency", k=10)
    assert [h.doc_id for h in hits] == ["p1", "p2"]  # zero scores are dropped
    assert hits[0].score >= hits[1].score > 0


def test_bm25_missing_or_tampered_index_raises(built: BM25Corpus, tmp_path: Path) -> None:
    directory = tmp_path / "toy"
    with pytest.raises(CorpusError, match="no corpus index"):
        BM25Corpus.load(tmp_path / "nowhere")
    manifest_path = directory / "manifest.json"
    original = manifest_path.read_text()
    for tamper in [
        lambda m: {**m, "format_version": 99},
        lambda m: {**m, "format": "other"},
        lambda m: {**m, "passages": 7},
        lambda m: {**m, "tokenizer": {**m["tokenizer"], "token_pattern": r"\w\w+"}},
        lambda m: {k: v for k, v in m.items() if k != "passages_file"},
    ]:
        manifest_path.write_text(json.dumps(tamper(json.loads(original))))
        with pytest.raises(CorpusError):
            BM25Corpus.load(directory)
    manifest_path.write_text("{not json")
    with pytest.raises(CorpusError, match="not valid JSON"):
        BM25Corpus.load(directory)
    manifest_path.unlink()
    with pytest.raises(CorpusError, match="manifest.json"):
        BM25Corpus.load(directory)


def test_bm25_changed_passages_file_is_caught(built: BM25Corpus, tmp_path: Path) -> None:
    path = tmp_path / "toy" / "passages.jsonl"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"rickets", b"RICKETS"))  # same size: only the hash differs
    BM25Corpus.load(tmp_path / "toy")
    with pytest.raises(CorpusError, match="SHA-256"):
        BM25Corpus.load(tmp_path / "toy", verify=True)
    path.write_bytes(data + b"\n")
    with pytest.raises(CorpusError, match="changed"):
        BM25Corpus.load(tmp_path / "toy")


def test_bm25_never_pickles(built: BM25Corpus, tmp_path: Path, monkeypatch) -> None:
    directory = tmp_path / "toy"
    names = [p.name for p in directory.iterdir()]
    assert not [n for n in names if n.endswith((".pkl", ".pickle", ".joblib"))]
    for path in directory.glob("*.npy"):
        assert np.load(path, allow_pickle=False).dtype != object
    real_load = np.load

    def strict_load(*args, **kwargs):
        if kwargs.get("allow_pickle", False):
            raise AssertionError("np.load called with allow_pickle=True")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", strict_load)
    monkeypatch.setattr("pickle.load", lambda *a, **k: pytest.fail("pickle.load"))
    monkeypatch.setattr("pickle.loads", lambda *a, **k: pytest.fail("pickle.loads"))
    assert BM25Corpus.load(directory).search("gout", k=1)[0].doc_id == "p6"


def test_bm25_build_checks(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="twice"):
        BM25Corpus.build("dup", [PASSAGES[0], PASSAGES[0]], tmp_path / "dup")
    with pytest.raises(CorpusError, match="no passages"):
        BM25Corpus.build("empty", [], tmp_path / "empty")
    with pytest.raises(CorpusError, match="not allowed"):
        BM25Corpus.build("../evil", PASSAGES, tmp_path / "evil")
    BM25Corpus.build("toy", PASSAGES, tmp_path / "toy")
    with pytest.raises(CorpusError, match="overwrite"):
        BM25Corpus.build("toy", PASSAGES, tmp_path / "toy")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(CorpusError, match="not replacing"):
        BM25Corpus.build("mine", PASSAGES, tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"

    def failing():
        yield PASSAGES[0]
        raise InputError("bad record", record=2)

    with pytest.raises(InputError):
        BM25Corpus.build("toy", failing(), tmp_path / "toy", overwrite=True)
    assert len(BM25Corpus.load(tmp_path / "toy")) == len(PASSAGES)  # old index kept
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bm25_factory_is_lazy(tmp_path: Path, monkeypatch) -> None:
    lazy = corpora.create("bm25.v1", {"path": str(tmp_path / "later")})
    BM25Corpus.build("later", PASSAGES, tmp_path / "later")
    assert lazy.search("gout", k=1)[0].source == "later"
    monkeypatch.setenv("MEDFACT_HOME", str(tmp_path / "home"))
    assert corpus_dir("x") == tmp_path / "home" / "corpora" / "x"
    assert corpus_dir("x", tmp_path) == tmp_path / "corpora" / "x"
    by_name = corpora.create("bm25.v1", {"path": "missing-corpus"})
    with pytest.raises(CorpusError, match="no corpus index"):
        by_name.search("gout")


# -- loaders --------------------------------------------------------------------------------------


def test_jsonl_loader(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": "a", "text": "Aspirin thins blood.", "title": "Aspirin"}\n\n'
        '{"doc_id": 7, "text": "Ibuprofen is an NSAID.", "metadata": {"src": "x"}}\n'
    )
    passages = list(iter_jsonl(path))
    assert [p.doc_id for p in passages] == ["a", "7"]
    assert passages[1].metadata == {"src": "x"} and passages[0].title == "Aspirin"
    assert detect_format(path) == "jsonl"


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('{"id": "b", "text": ', None, "not valid JSON"),
        ('{"id": "b"}', "text", "text"),
        ('{"id": "", "text": "x"}', "id", "id"),
        ('{"id": "b", "text": "x", "txet": 1}', "txet", "unknown field"),
        ('{"id": "b", "text": "x", "metadata": []}', "metadata", "metadata"),
        ('["b", "x"]', None, "JSON object"),
    ],
)
def test_jsonl_bad_line_names_line_and_field(
    tmp_path: Path, line: str, field: str | None, words: str
) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n\n' + line + "\n")
    with pytest.raises(InputError) as info:
        list(iter_jsonl(path))
    assert "line 3" in str(info.value) and words in str(info.value)
    assert info.value.record == 3 and info.value.field == field


def test_jsonl_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n')
    with pytest.raises(InputError, match="line 1 is not UTF-8"):
        list(iter_jsonl(path))


def test_medquad_skips_malformed_files(tmp_path: Path, caplog) -> None:
    folder = tmp_path / "9_Test_QA"
    folder.mkdir()
    (folder / "0000001.xml").write_text(
        '<Document id="0000001" source="Test" url="http://x"><Focus>Gout</Focus><QAPairs>'
        '<QAPair pid="1"><Question qid="0000001-1" qtype="information">What is Gout ?</Question>'
        "<Answer>Gout is   arthritis.\n   \n\n\n  Uric acid &amp; crystals.</Answer></QAPair>"
        '<QAPair pid="2"><Question qid="0000001-2">Empty ?</Question><Answer> </Answer></QAPair>'
        "</QAPairs></Document>"
    )
    (folder / "0000002.xml").write_text("<Document><Focus>secret text")
    report = LoadReport()
    with caplog.at_level(logging.WARNING):
        passages = list(iter_medquad(tmp_path, report))
    assert [p.doc_id for p in passages] == ["Test/0000001#0000001-1"]
    assert passages[0].title == "Gout: What is Gout ?"
    assert passages[0].text == "Gout is   arthritis.\n\nUric acid & crystals."
    assert report == LoadReport(files=2, passages=1, skipped_files=1, skipped_records=1)
    assert "0000002.xml" in caplog.text and "secret" not in caplog.text
    assert detect_format(tmp_path) == "medquad"


def test_detect_format(tmp_path: Path) -> None:
    pubmed = tmp_path / "q.json"
    pubmed.write_text(json.dumps({"123": {"QUESTION": "Q?", "CONTEXTS": ["c"]}}))
    assert detect_format(pubmed) == "pubmedqa"
    other = tmp_path / "o.json"
    other.write_text("[1, 2]")
    with pytest.raises(CorpusError, match="--format"):
        detect_format(other)
    with pytest.raises(CorpusError, match="does not exist"):
        detect_format(tmp_path / "missing.jsonl")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no XML"):
        detect_format(tmp_path / "empty")


def test_loaders_are_registered() -> None:
    assert corpora.create("medquad.v1") is iter_medquad
    assert corpora.create("jsonl.v1") is iter_jsonl
    assert corpora.create("pubmedqa.v1", {"include_conclusion": True}).keywords == {
        "include_conclusion": True
    }


@pytest.mark.skipif(not NIDDK.is_dir(), reason=f"MedQuAD data not found at {NIDDK}")
def test_medquad_real_subset(tmp_path: Path) -> None:
    report = LoadReport()
    passages = list(iter_medquad(NIDDK, report))
    assert 1000 < len(passages) < 1500 and report.skipped_files == 0
    assert len({p.doc_id for p in passages}) == len(passages)
    first = next(p for p in passages if p.doc_id == "NIDDK/0000001#0000001-1")
    assert first.title == "Acromegaly: What is (are) Acromegaly ?"
    assert first.text.startswith("Acromegaly is a hormonal disorder")
    corpus = BM25Corpus.build("niddk", passages, tmp_path / "niddk")
    hits = corpus.search("hormonal disorder from too much growth hormone", k=3)
    assert "NIDDK/0000001#0000001-1" in [h.doc_id for h in hits]


@pytest.mark.skipif(not PUBMEDQA.is_file(), reason=f"PubMedQA data not found at {PUBMEDQA}")
def test_pubmedqa_real_file() -> None:
    passages = list(iter_pubmedqa(PUBMEDQA))
    assert len(passages) == 1000
    lace = next(p for p in passages if p.doc_id == "21645374")
    assert lace.title.startswith("Do mitochondria play a role in remodelling lace plant leaves")
    assert lace.metadata["final_decision"] == "yes"
    assert "Programmed cell death" in lace.text
    with_conclusions = list(iter_pubmedqa(PUBMEDQA, include_conclusion=True))
    assert len(with_conclusions) == 2000
    assert any(p.doc_id == "21645374#conclusion" for p in with_conclusions)
    assert detect_format(PUBMEDQA) == "pubmedqa"
