"""``medfact data nli``: human-labelled (premise, hypothesis, label) rows, split by document.

Every source under ``--data-dir`` becomes :class:`NLIRow` records labelled ``supported``,
``contradicted`` or ``not_enough_info``. Splits are by document (``group``): a dataset's own
test split stays test (Check-COVID, Evidence Inference's article lists), others are split by a
seeded hash of the group. After all sources are read, rows are de-duplicated and no group and no
hypothesis is allowed in two splits (test wins over valid, valid over train; the losers are
dropped and counted in the manifest). Data is read in place and never copied into the repo.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from medfact.errors import ConfigError, InputError
from medfact.nli.arrow import read_arrow_stream
from medfact.synth.dataset import derive_seed, file_sha256, medfact_version, split_of
from medfact.synth.perturb import split_sentences
from medfact.textutil import content_stems

log = logging.getLogger("medfact.nli")

LABELS = ("supported", "contradicted", "not_enough_info")
SPLITS = ("train", "valid", "test")
SOURCES = (
    "check-covid",
    "evidence-inference",
    "summedits",
    "medhallu",
    "pubmedqa",
    "medec",
    "mts-dialog",
)
_PRIORITY = ("test", "valid", "train")  # who keeps a document or claim that two splits share

_CHECK_COVID_LABELS = {
    "SUPPORT": "supported",
    "REFUTE": "contradicted",
    "NOTENOUGHINFO": "not_enough_info",
}
_CHECK_COVID_SPLITS = {"train": "train", "dev": "valid", "test": "test"}
# MedHallu's hallucination categories: an answer that misreads the question or leaves out what
# the passage says asserts the opposite of the passage; a made-up mechanism or method is
# something the passage does not state.
MEDHALLU_LABELS = {
    "Misinterpretation of #Question#": "contradicted",
    "Incomplete Information": "contradicted",
    "Mechanism and Pathway Misattribution": "not_enough_info",
    "Methodological and Evidence Fabrication": "not_enough_info",
}
_EI_DIRECTIONS = ("increased", "decreased", "no_difference")
_EI_SPLIT_FILES = {
    "train": "ev2_train_article_ids.txt",
    "valid": "ev2_validation_article_ids.txt",
    "test": "ev2_test_article_ids.txt",
}
_MTS_FILES = (
    "MTS-Dialog-TrainingSet.csv",
    "MTS-Dialog-ValidationSet.csv",
    "MTS-Dialog-TestSet-1-MEDIQA-Chat-2023.csv",
    "MTS-Dialog-TestSet-2-MEDIQA-Sum-2023.csv",
)
_MEDEC_FILE = "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"


@dataclass(frozen=True)
class NLIRow:
    """One labelled pair. ``group`` is the premise's document; ``derivation`` says how the
    pair was made; ``tags`` carry subsets (challenge sets, domains, categories)."""

    id: str
    premise: str
    hypothesis: str
    label: str
    source: str
    group: str
    split: str
    derivation: str
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tags"] = list(self.tags)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "row") -> NLIRow:
        for name in ("premise", "hypothesis", "label", "source", "group", "split"):
            if not isinstance(data.get(name), str):
                raise InputError("expected a string", record=where, field=name)
        if data["label"] not in LABELS:
            raise InputError(f"label must be one of {LABELS}", record=where, field="label")
        return cls(
            id=str(data.get("id", where)),
            premise=data["premise"],
            hypothesis=data["hypothesis"],
            label=data["label"],
            source=data["source"],
            group=data["group"],
            split=data["split"],
            derivation=str(data.get("derivation", "")),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass
class BuildStats:
    """What the builder read, skipped and dropped, per source."""

    inputs: list[Path] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)

    def skip(self, source: str, reason: str, n: int = 1) -> None:
        self.skipped[f"{source}:{reason}"] += n


@dataclass(frozen=True)
class BuildSettings:
    """Knobs of the builder; recorded in the manifest."""

    seed: int = 0
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    max_premise_chars: int = 1500
    dialogue_window_chars: int = 700
    min_dialogue_overlap: float = 0.3
    max_sentences_per_dialogue: int = 6


# ---------------------------------------------------------------------------------------------
# text helpers


def norm(text: str) -> str:
    """Lower-cased, whitespace-collapsed text: the key for duplicate and leakage checks."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _digest(*parts: str, n: int = 16) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:n]


def overlap(hypothesis_stems: set[str], text: str) -> float:
    """Share of the hypothesis's content stems that occur in ``text`` (0 when it has none)."""
    if not hypothesis_stems:
        return 0.0
    return len(hypothesis_stems & set(content_stems(text))) / len(hypothesis_stems)


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def best_window(units: Sequence[str], hypothesis: str, max_chars: int, sep: str = " ") -> str:
    """The run of consecutive ``units`` (sentences or turns), at most ``max_chars`` long, that
    covers most of the hypothesis's content stems; ties go to the earliest run. A single unit
    longer than ``max_chars`` is cut at a word boundary."""
    if not units:
        return ""
    target = set(content_stems(hypothesis))
    unit_stems = [set(content_stems(u)) for u in units]
    best: tuple[float, int, int] = (-1.0, 0, 1)
    for start in range(len(units)):
        covered: set[str] = set()
        length = -len(sep)
        for end in range(start, len(units)):
            length += len(sep) + len(units[end])
            if length > max_chars and end > start:
                break
            covered |= unit_stems[end]
            score = len(covered & target) / max(len(target), 1)
            if score > best[0]:
                best = (score, start, end + 1)
            if length > max_chars:
                break
    text = sep.join(units[best[1] : best[2]])
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > 0 else max_chars]
    return text


def far_window(
    units: Sequence[str],
    hypothesis: str,
    max_chars: int,
    *,
    min_chars: int = 80,
    max_overlap: float = 1 / 3,
    sep: str = " ",
) -> str | None:
    """The run of consecutive ``units`` (at most ``max_chars``, at least ``min_chars``) that
    covers the fewest of the hypothesis's content stems, when that share is at most
    ``max_overlap``: an on-topic passage of the same document that does not state the claim.
    None when no run qualifies."""
    target = set(content_stems(hypothesis))
    if not target:
        return None
    unit_stems = [set(content_stems(u)) for u in units]
    best: tuple[float, int, int] | None = None
    for start in range(len(units)):
        covered: set[str] = set()
        length = -len(sep)
        for end in range(start, len(units)):
            length += len(sep) + len(units[end])
            if length > max_chars:
                break
            covered |= unit_stems[end]
            if length >= min_chars:
                score = len(covered & target) / len(target)
                if best is None or score < best[0]:
                    best = (score, start, end + 1)
                break  # the shortest qualifying run from this start
    if best is None or best[0] > max_overlap:
        return None
    return sep.join(units[best[1] : best[2]])


def window_premise(premise: str, hypothesis: str, max_chars: int) -> str:
    """``premise`` unchanged when short enough, else its best sentence window for
    ``hypothesis``."""
    if len(premise) <= max_chars:
        return premise
    return best_window(sentences(premise), hypothesis, max_chars)


# ---------------------------------------------------------------------------------------------
# reading helpers


def _read_json(path: Path, stats: BuildStats) -> Any:
    stats.inputs.append(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not UTF-8 JSON ({exc})", field="path") from exc


def _read_jsonl(path: Path, stats: BuildStats) -> list[dict[str, Any]]:
    stats.inputs.append(path)
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not JSON ({exc.msg})", record=f"line {number}") from exc
            if not isinstance(record, dict):
                raise InputError(f"{path}: expected an object", record=f"line {number}")
            rows.append(record)
    return rows


def _read_csv(path: Path, stats: BuildStats) -> list[dict[str, str]]:
    stats.inputs.append(path)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _need(record: dict[str, Any], name: str, where: str) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise InputError("expected a string", record=where, field=name)
    return value


class _Rows:
    """Collects rows of one source with content-derived ids."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rows: list[NLIRow] = []

    def add(
        self,
        premise: str,
        hypothesis: str,
        label: str,
        group: str,
        split: str,
        derivation: str,
        tags: Iterable[str] = (),
    ) -> None:
        premise, hypothesis = _clean(premise), _clean(hypothesis)
        if not premise or not hypothesis:
            return
        row_id = f"{self.source}:{_digest(group, premise, hypothesis, label, n=12)}"
        self.rows.append(
            NLIRow(
                row_id,
                premise,
                hypothesis,
                label,
                self.source,
                group,
                split,
                derivation,
                tuple(tags),
            )
        )


# ---------------------------------------------------------------------------------------------
# sources


def check_covid(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """Check-COVID: claims against the evidence sentences of their abstract.

    SUPPORT and REFUTE claims get their evidence sentences (abstract order). An NOTENOUGHINFO
    claim gets its annotated sentence plus the abstract's most similar other sentence that is
    not evidence for the same claim under another label. Test claims are tagged with the
    challenge subsets (numeric, temporal) they belong to.
    """
    out = _Rows("check-covid")
    corpus = {d["cord_id"]: d for d in _read_jsonl(root / "corpus.json", stats)}
    challenge: dict[str, set[str]] = defaultdict(set)
    for path in sorted((root / "challenge").glob("*.json")):
        kind = "numeric" if "numeric" in path.name else "temporal"
        for record in _read_jsonl(path, stats):
            challenge[str(record.get("id"))].add(kind)
    claims: list[tuple[str, dict[str, Any]]] = []
    for folder, split in _CHECK_COVID_SPLITS.items():
        for path in sorted((root / folder).glob("*.json")):
            for record in _read_jsonl(path, stats):
                style = "extracted" if record.get("is_auth") else "composed"
                claims.append((split, {**record, "_style": style}))
    evidence_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    for _, record in claims:
        if record.get("label") != "NOTENOUGHINFO":
            key = (str(record.get("cord_id")), norm(str(record.get("claim", ""))))
            evidence_of[key] |= {int(e["sent_index"]) for e in record.get("evidence_set") or []}
    for split, record in claims:
        where = f"check-covid {record.get('id')}"
        claim = _need(record, "claim", where)
        label = _CHECK_COVID_LABELS.get(str(record.get("label")))
        doc = corpus.get(str(record.get("cord_id")))
        if label is None or doc is None:
            stats.skip("check-covid", "unknown label or abstract")
            continue
        abstract = [str(s) for s in doc.get("abstract") or []]
        picked = {int(e["sent_index"]) for e in record.get("evidence_set") or []}
        picked = {i for i in picked if 0 <= i < len(abstract)}
        if label == "not_enough_info":
            banned = evidence_of[(str(record["cord_id"]), norm(claim))] | picked
            target = set(content_stems(claim))
            scored = [(overlap(target, s), -i) for i, s in enumerate(abstract) if i not in banned]
            if scored:
                picked.add(-max(scored)[1])
        if not picked:
            stats.skip("check-covid", "no evidence sentence")
            continue
        premise = " ".join(abstract[i] for i in sorted(picked))
        tags = [record["_style"], *sorted(challenge.get(str(record["id"]), ()))]
        out.add(
            premise,
            claim,
            label,
            f"check-covid:{record['cord_id']}",
            split,
            "evidence" if label != "not_enough_info" else "nei-sentences",
            tags,
        )
    return out.rows


def _ei_direction(label: str) -> str | None:
    label = label.strip().lower()
    if label.startswith("significantly increase"):
        return "increased"
    if label.startswith("significantly decrease"):
        return "decreased"
    if label.startswith("no significant"):
        return "no_difference"
    return None


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def ei_statement(direction: str, intervention: str, comparator: str, outcome: str) -> str:
    """The claim that an intervention moved an outcome in ``direction`` against a comparator."""
    i, c, o = _clean(intervention), _lower_first(_clean(comparator)), _lower_first(_clean(outcome))
    i = i[:1].upper() + i[1:]
    if direction == "increased":
        return f"{i} significantly increased {o} compared with {c}."
    if direction == "decreased":
        return f"{i} significantly decreased {o} compared with {c}."
    return f"{i} made no significant difference to {o} compared with {c}."


def evidence_inference(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """Evidence Inference 2.0: an evidence snippet against direction statements of its prompt.

    The annotators' majority direction is supported, the two other directions contradicted;
    the true statement against another outcome's snippet of the same article is
    not_enough_info (only when that snippet does not name most of this outcome).
    """
    out = _Rows("evidence-inference")
    annotations = root / "annotations"
    prompts = {r["PromptID"]: r for r in _read_csv(annotations / "prompts_merged.csv", stats)}
    split_of_article: dict[str, str] = {}
    for split, name in _EI_SPLIT_FILES.items():
        path = annotations / "splits" / name
        if path.is_file():
            stats.inputs.append(path)
            for pmcid in path.read_text(encoding="utf-8").split():
                split_of_article.setdefault(pmcid, split)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    snippets: dict[str, list[tuple[bool, str, str]]] = defaultdict(list)
    article: dict[str, str] = {}
    for row in _read_csv(annotations / "v2_annotations.csv", stats):
        if row.get("Valid Label", "").strip() != "True":
            continue
        direction = _ei_direction(row.get("Label", ""))
        snippet = _clean(row.get("Annotations", ""))
        if direction is None or not snippet:
            stats.skip("evidence-inference", "no direction or snippet")
            continue
        pid = row["PromptID"]
        votes[pid][direction] += 1
        snippets[pid].append((row.get("Valid Reasoning", "").strip() == "True", direction, snippet))
        article[pid] = row["PMCID"]
    chosen: dict[str, tuple[str, str]] = {}  # prompt -> (direction, snippet)
    for pid in sorted(votes, key=lambda p: (article[p], int(p) if p.isdigit() else p)):
        ranked = votes[pid].most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            stats.skip("evidence-inference", "annotators tie")
            continue
        if pid not in prompts:
            stats.skip("evidence-inference", "prompt missing")
            continue
        direction = ranked[0][0]
        agreeing = [s for s in snippets[pid] if s[1] == direction]
        reasoned = [s for s in agreeing if s[0]] or agreeing
        chosen[pid] = (direction, reasoned[0][2])
    by_article: dict[str, list[str]] = defaultdict(list)
    for pid in chosen:
        by_article[article[pid]].append(pid)
    for pmcid, pids in by_article.items():
        group = f"evidence-inference:{pmcid}"
        split = split_of_article.get(pmcid) or split_of(group, settings.seed, settings.fractions)
        rng = random.Random(derive_seed(settings.seed, group))
        for pid in pids:
            prompt = prompts[pid]
            direction, snippet = chosen[pid]
            parts = (prompt["Intervention"], prompt["Comparator"], prompt["Outcome"])
            truth = ei_statement(direction, *parts)
            out.add(snippet, truth, "supported", group, split, "direction")
            for other in _EI_DIRECTIONS:
                if other != direction:
                    out.add(
                        snippet,
                        ei_statement(other, *parts),
                        "contradicted",
                        group,
                        split,
                        "other-direction",
                    )
            outcome_stems = set(content_stems(prompt["Outcome"]))
            candidates = [
                q
                for q in pids
                if q != pid
                and norm(prompts[q]["Outcome"]) != norm(prompt["Outcome"])
                and chosen[q][1] != snippet
                and overlap(outcome_stems, chosen[q][1]) < 0.5
            ]
            if candidates:
                out.add(
                    chosen[rng.choice(candidates)][1],
                    truth,
                    "not_enough_info",
                    group,
                    split,
                    "other-outcome-snippet",
                )
    return out.rows


def summedits(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """SummEdits: document -> (edited) summary; 1 supported, 0 contradicted. A long document
    is cut to the sentence window around the original summary's content, so both twins of an
    edit share one premise."""
    out = _Rows("summedits")
    for path in sorted(root.glob("summedits_*.json")):
        domain = path.stem.removeprefix("summedits_")
        data = _read_json(path, stats)
        if not isinstance(data, list):
            raise InputError(f"{path}: expected a JSON list", field="path")
        for n, record in enumerate(data):
            where = f"{path.name}[{n}]"
            doc, summary = _need(record, "doc", where), _need(record, "summary", where)
            if record.get("label") not in (0, 1):
                stats.skip("summedits", "label not 0/1")
                continue
            anchor = str(record.get("original_summary") or summary)
            premise = window_premise(doc, anchor, settings.max_premise_chars)
            group = f"summedits:{_digest(norm(doc))}"
            label = "supported" if record["label"] == 1 else "contradicted"
            split = split_of(group, settings.seed, settings.fractions)
            out.add(premise, summary, label, group, split, "summary-edit", [domain])
    return out.rows


def _pubmedqa_records(path: Path, stats: BuildStats) -> dict[str, dict[str, Any]]:
    data = _read_json(path, stats)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object keyed by PMID", field="path")
    return data


def _abstract(record: dict[str, Any], where: str) -> str:
    contexts = record.get("CONTEXTS")
    if not isinstance(contexts, list):
        raise InputError("expected a list of strings", record=where, field="CONTEXTS")
    return " ".join(str(c).strip() for c in contexts)


def medhallu(
    root: Path, settings: BuildSettings, stats: BuildStats, pubmedqa_file: Path | None = None
) -> list[NLIRow]:
    """MedHallu: knowledge passage -> faithful answer (supported) and hallucinated answer
    (label by its category, :data:`MEDHALLU_LABELS`). Its questions are PubMedQA's, so a row's
    group is the PubMedQA PMID when ``pubmedqa_file`` is given (one document, one split)."""
    out = _Rows("medhallu")
    arrow, jsonl = root / "pqa_labeled.arrow", root / "pqa_labeled.jsonl"
    if arrow.is_file():
        stats.inputs.append(arrow)
        records = read_arrow_stream(arrow)
    else:
        records = _read_jsonl(jsonl, stats)
    pmid_of: dict[str, str] = {}
    if pubmedqa_file is not None and pubmedqa_file.is_file():
        for pmid, record in _pubmedqa_records(pubmedqa_file, BuildStats()).items():
            pmid_of[norm(str(record.get("QUESTION", "")))] = pmid
    for n, record in enumerate(records):
        where = f"medhallu[{n}]"
        question = _need(record, "Question", where)
        knowledge = record.get("Knowledge")
        if not isinstance(knowledge, list) or not knowledge:
            raise InputError("expected a list of strings", record=where, field="Knowledge")
        premise = " ".join(str(k).strip() for k in knowledge)
        pmid = pmid_of.get(norm(question))
        group = f"pubmed:{pmid}" if pmid else f"medhallu:{_digest(norm(question))}"
        split = split_of(group, settings.seed, settings.fractions)
        category = str(record.get("Category of Hallucination") or "")
        difficulty = str(record.get("Difficulty Level") or "")
        tags = [t for t in (category, difficulty) if t]
        out.add(
            premise,
            _need(record, "Ground Truth", where),
            "supported",
            group,
            split,
            "ground-truth",
            tags,
        )
        label = MEDHALLU_LABELS.get(category)
        if label is None:
            stats.skip("medhallu", "unknown hallucination category")
            continue
        out.add(
            premise,
            _need(record, "Hallucinated Answer", where),
            label,
            group,
            split,
            "hallucinated",
            tags,
        )
    return out.rows


def pubmedqa(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """PubMedQA: abstract -> its conclusion (supported). Not_enough_info: the conclusion of
    another abstract of the same split (drawn among the ten most similar), and the conclusion
    against a window of its own abstract's background and methods (never its results) that
    covers at most 40% of it."""
    out = _Rows("pubmedqa")
    records = _pubmedqa_records(root / "ori_pqal.json", stats)
    docs = []
    setup: dict[str, list[str]] = {}
    for pmid, record in records.items():
        contexts, labels = record.get("CONTEXTS") or [], record.get("LABELS") or []
        if isinstance(labels, list) and len(labels) == len(contexts):
            setup[f"pubmed:{pmid}"] = [
                s
                for c, label in zip(contexts, labels, strict=True)
                if "RESULT" not in str(label).upper() and "CONCLUSION" not in str(label).upper()
                for s in sentences(str(c).strip())
            ]
        abstract = _abstract(record, f"pubmedqa {pmid}")
        conclusion = str(record.get("LONG_ANSWER") or "").strip()
        if not abstract or not conclusion:
            stats.skip("pubmedqa", "empty abstract or conclusion")
            continue
        group = f"pubmed:{pmid}"
        docs.append(
            (group, split_of(group, settings.seed, settings.fractions), abstract, conclusion)
        )
    stems = [(set(content_stems(a)), set(content_stems(c))) for _, _, a, c in docs]
    for i, (group, split, abstract, conclusion) in enumerate(docs):
        out.add(abstract, conclusion, "supported", group, split, "conclusion")
        part = far_window(setup.get(group, []), conclusion, 600, min_chars=150, max_overlap=0.4)
        if part is not None:
            out.add(part, conclusion, "not_enough_info", group, split, "same-abstract-other-window")
        others = [
            (len(stems[i][0] & stems[j][1]) / max(len(stems[j][1]), 1), j)
            for j in range(len(docs))
            if j != i and docs[j][1] == split
        ]
        if not others:
            continue
        top = [j for _, j in sorted(others, key=lambda t: (-t[0], t[1]))[:10]]
        j = random.Random(derive_seed(settings.seed, group, "nei")).choice(top)
        out.add(abstract, docs[j][3], "not_enough_info", group, split, "other-conclusion")
    return out.rows


def _word_diff(a: str, b: str) -> tuple[str, str]:
    """The words only in ``a`` and the words only in ``b`` (difflib over word sequences)."""
    wa, wb = a.split(), b.split()
    only_a: list[str] = []
    only_b: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if tag != "equal":
            only_a += wa[i1:i2]
            only_b += wb[j1:j2]
    return " ".join(only_a), " ".join(only_b)


def medec(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """MEDEC-MS: the note without its error sentence is the premise; the error sentence is
    contradicted and the corrected sentence supported. Tagged ``stated`` where the note itself
    has the corrected words, else ``inferred`` (the conflict is in clinical knowledge)."""
    out = _Rows("medec")
    path = root / _MEDEC_FILE
    for record in _read_csv(path, stats):
        text_id = record.get("Text ID", "?")
        if record.get("Error Flag", "").strip() != "1":
            continue
        where = f"medec {text_id}"
        numbered: dict[str, str] = {}
        for line in _need(record, "Sentences", where).splitlines():
            number, _, sentence = line.strip().partition(" ")
            if number.isdigit():
                numbered[number] = sentence
        error_id = record.get("Error Sentence ID", "").strip()
        error, fixed = (
            _clean(record.get("Error Sentence", "")),
            _clean(record.get("Corrected Sentence", "")),
        )
        if error_id not in numbered or not error or not fixed or norm(error) == norm(fixed):
            stats.skip("medec", "no usable error sentence")
            continue
        premise = " ".join(s for k, s in numbered.items() if k != error_id)
        wrong, right = _word_diff(error, fixed)
        note = set(content_stems(premise))
        right_stems, wrong_stems = set(content_stems(right)), set(content_stems(wrong))
        if not right_stems:
            stats.skip("medec", "correction removes words only")
            continue
        # "stated": the note itself has the corrected words; "inferred": the conflict needs
        # clinical knowledge (the annotators' judgement), so a text-only model may not see it
        basis = "stated" if right_stems <= note and not wrong_stems <= note else "inferred"
        group = f"medec:{text_id}"
        split = split_of(group, settings.seed, settings.fractions)
        tags = [record.get("Error Type", ""), basis]
        out.add(premise, error, "contradicted", group, split, "error-sentence", tags)
        out.add(premise, fixed, "supported", group, split, "corrected-sentence", tags)
    return out.rows


def _turns(dialogue: str) -> list[str]:
    return [t.strip() for t in re.split(r"\r?\n", dialogue) if t.strip()]


def mts_dialog(root: Path, settings: BuildSettings, stats: BuildStats) -> list[NLIRow]:
    """MTS-Dialog: the dialogue window that covers a note sentence -> that sentence
    (supported). The same sentence against the best window of another dialogue with the same
    section header and the same split is not_enough_info when that window covers at most a
    third of it. Dialogues repeat across the dataset's files, so documents are keyed by a hash
    of the dialogue text and split by that hash."""
    out = _Rows("mts-dialog")
    seen: set[str] = set()
    dialogues: list[tuple[str, str, str, list[str], str]] = []  # group, split, header, turns, note
    for name in _MTS_FILES:
        path = root / "Main-Dataset" / name
        if not path.is_file():
            path = root / name
        if not path.is_file():
            continue
        for record in _read_csv(path, stats):
            where = f"{name} {record.get('ID', '?')}"
            dialogue = _need(record, "dialogue", where)
            note = _need(record, "section_text", where)
            key = _digest(norm(dialogue))
            if key in seen:
                stats.skip("mts-dialog", "repeated dialogue")
                continue
            seen.add(key)
            group = f"mts-dialog:{key}"
            header = str(record.get("section_header", "")).strip().upper()
            dialogues.append(
                (
                    group,
                    split_of(group, settings.seed, settings.fractions),
                    header,
                    _turns(dialogue),
                    note,
                )
            )
    peers: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (_, split, header, _, _) in enumerate(dialogues):
        peers[(split, header)].append(i)
    limit = settings.dialogue_window_chars
    for i, (group, split, header, turns, note) in enumerate(dialogues):
        rng = random.Random(derive_seed(settings.seed, group, "nei"))
        kept = 0
        for sentence in sentences(note):
            target = set(content_stems(sentence))
            if len(sentence.split()) < 4 or len(target) < 2:
                continue
            if kept >= settings.max_sentences_per_dialogue:
                break
            window = best_window(turns, sentence, limit, sep="\n")
            if overlap(target, window) < settings.min_dialogue_overlap:
                stats.skip("mts-dialog", "sentence not found in dialogue")
                continue
            kept += 1
            out.add(window, sentence, "supported", group, split, "dialogue-window", [header])
            near = far_window(turns, sentence, limit // 2, sep="\n")
            if near is not None:
                out.add(
                    near,
                    sentence,
                    "not_enough_info",
                    group,
                    split,
                    "same-dialogue-other-window",
                    [header],
                )
            others = [j for j in peers[(split, header)] if j != i]
            if not others:
                continue
            other = dialogues[rng.choice(others)]
            foreign = best_window(other[3], sentence, limit, sep="\n")
            if overlap(target, foreign) <= 1 / 3:
                out.add(
                    foreign,
                    sentence,
                    "not_enough_info",
                    other[0],
                    split,
                    "other-dialogue-window",
                    [header],
                )
    return out.rows


# ---------------------------------------------------------------------------------------------
# assembly


def _source_dirs(data_dir: Path) -> dict[str, Path]:
    nli = data_dir / "nli"
    return {
        "check-covid": nli / "check-covid",
        "evidence-inference": nli / "evidence-inference",
        "summedits": nli / "summedits",
        "medhallu": nli / "medhallu",
        "pubmedqa": data_dir / "pubmedqa",
        "medec": data_dir / "medec-ms",
        "mts-dialog": data_dir / "mts-dialog",
    }


def check_sources(sources: Iterable[str] | None) -> list[str]:
    chosen = list(sources) if sources else list(SOURCES)
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise ConfigError(
            f"build_rows: unknown source(s) {unknown}; choose from {', '.join(SOURCES)}"
        )
    return [s for s in SOURCES if s in chosen]  # fixed order: the output does not depend on it


def build_rows(
    data_dir: Path | str,
    settings: BuildSettings | None = None,
    sources: Iterable[str] | None = None,
) -> tuple[list[NLIRow], BuildStats]:
    """Every row of the chosen sources, de-duplicated and split by document (see module doc).

    A source whose folder is absent is skipped and listed in ``stats.missing``; when none is
    present, :class:`InputError` is raised.
    """
    settings = settings or BuildSettings()
    data_dir = Path(data_dir)
    stats = BuildStats()
    dirs = _source_dirs(data_dir)
    loaders: dict[str, Callable[[Path, BuildSettings, BuildStats], list[NLIRow]]] = {
        "check-covid": check_covid,
        "evidence-inference": evidence_inference,
        "summedits": summedits,
        "medhallu": lambda root, s, st: medhallu(root, s, st, dirs["pubmedqa"] / "ori_pqal.json"),
        "pubmedqa": pubmedqa,
        "medec": medec,
        "mts-dialog": mts_dialog,
    }
    # medhallu before pubmedqa: their faithful pairs coincide, and the first one is kept
    order = [
        "check-covid",
        "evidence-inference",
        "summedits",
        "medhallu",
        "pubmedqa",
        "medec",
        "mts-dialog",
    ]
    chosen = set(check_sources(sources))
    rows: list[NLIRow] = []
    for source in order:
        if source not in chosen:
            continue
        if not dirs[source].is_dir():
            stats.missing.append(source)
            log.warning("nli: %s not found under %s; skipped", source, dirs[source])
            continue
        got = loaders[source](dirs[source], settings, stats)
        log.info("nli: %s gave %d rows", source, len(got))
        rows.extend(got)
    if len(stats.missing) == len(chosen):
        raise InputError(f"no NLI source found under {data_dir}", field="data_dir")
    return enforce_splits(dedupe(rows, stats), stats), stats


def dedupe(rows: Iterable[NLIRow], stats: BuildStats) -> list[NLIRow]:
    """The first row of each (premise, hypothesis) pair; a pair seen under two labels is
    dropped altogether (the sources disagree)."""
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = list(rows)
    for row in rows:
        labels[(norm(row.premise), norm(row.hypothesis))].add(row.label)
    kept: list[NLIRow] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (norm(row.premise), norm(row.hypothesis))
        if len(labels[key]) > 1:
            stats.skip(row.source, "pair under two labels")
            continue
        if key in seen:
            stats.skip(row.source, "duplicate pair")
            continue
        seen.add(key)
        kept.append(row)
    return kept


def enforce_splits(rows: Iterable[NLIRow], stats: BuildStats) -> list[NLIRow]:
    """Drop rows whose group or hypothesis already sits in a higher-priority split
    (test > valid > train), so no document and no claim is in two splits."""
    rows = list(rows)
    taken_groups: set[str] = set()
    taken_claims: set[str] = set()
    keep: set[int] = set()
    for split in _PRIORITY:
        groups: set[str] = set()
        claims: set[str] = set()
        for i, row in enumerate(rows):
            if row.split != split:
                continue
            if row.group in taken_groups or norm(row.hypothesis) in taken_claims:
                stats.skip(row.source, f"leak into {split}")
                continue
            keep.add(i)
            groups.add(row.group)
            claims.add(norm(row.hypothesis))
        taken_groups |= groups
        taken_claims |= claims
    return [row for i, row in enumerate(rows) if i in keep]


class Row(Protocol):
    """What :func:`write_nli` needs of a row (``NLIRow`` and the twins' rows)."""

    split: str
    source: str
    label: str

    def to_dict(self) -> dict[str, Any]: ...


def write_nli(
    rows: Sequence[Row],
    out_dir: Path | str,
    stats: BuildStats,
    settings: BuildSettings,
    command: str,
    name: str = "nli",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``train.jsonl``, ``valid.jsonl``, ``test.jsonl`` and ``manifest.json`` in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict[str, Counter[str]]] = {s: defaultdict(Counter) for s in SPLITS}
    handles = {s: (out / f"{s}.jsonl").open("w", encoding="utf-8") for s in SPLITS}
    try:
        for row in rows:
            handles[row.split].write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
            counts[row.split][row.source][row.label] += 1
    finally:
        for handle in handles.values():
            handle.close()
    per_source: dict[str, Counter[str]] = defaultdict(Counter)
    for split_counts in counts.values():
        for source, c in split_counts.items():
            per_source[source].update(c)
    manifest = {
        "dataset": name,
        "medfact_version": medfact_version(),
        "command": command,
        "seed": settings.seed,
        "settings": {**asdict(settings), "medhallu_labels": MEDHALLU_LABELS},
        "inputs": [{"path": str(p), "sha256": file_sha256(p)} for p in sorted(set(stats.inputs))],
        "missing_sources": stats.missing,
        "total": len(rows),
        "per_source": {s: dict(sorted(c.items())) for s, c in sorted(per_source.items())},
        "counts": {
            split: {s: dict(sorted(c.items())) for s, c in sorted(sc.items())}
            for split, sc in counts.items()
        },
        "skipped": dict(sorted(stats.skipped.items())),
        **(extra or {}),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_rows(path: Path | str) -> Iterator[NLIRow]:
    """Rows of one JSONL file written by :func:`write_nli`."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: not JSON ({exc.msg})", record=number) from exc
                yield NLIRow.from_dict(data, where=f"{path.name}:{number}")
