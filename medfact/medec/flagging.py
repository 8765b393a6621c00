"""Flagging: which sentence of a note is the decisive one, and how likely it holds an error.

* :func:`prepare` reads a note once (sentences, stems, drug mentions, locator features).
* The **locator** (:func:`fit_locator`, :func:`locate`) scores every sentence with a logistic
  model over cue words, position and word n-grams; the best one is the candidate error sentence.
* :class:`FeatureContext` computes the flag features of that sentence: how its stated answer fits
  the note's findings among MedQuAD condition profiles, PubMedQA abstracts and similar annotated
  notes.
* :func:`choose_threshold` picks the flag threshold for accuracy over out-of-fold probabilities;
  :func:`twin_groups` and :func:`assign_folds` keep error/clean twins in one fold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medfact.errors import InputError
from medfact.medec.data import MedecNote
from medfact.medec.features import LinearModel, NgramVectorizer
from medfact.medec.knowledge import Knowledge, answer_stems, stem_word
from medfact.medec.vocab import drug_lexicon
from medfact.taxonomy import MedecType
from medfact.textutil import content_stems
from medfact.types import Evidence, Sentence

MAX_SENTENCES = 400

# -- sentence cues -------------------------------------------------------------------------------

_CUES = {
    "diagnosis": re.compile(
        r"\b(diagnos\w*|suspect\w*|consistent with|confirm\w*|most likely|syndrome|disease|"
        r"disorder|carcinoma|tumou?r|cancer|\w+itis|\w+oma|deficiency)\b",
        re.I,
    ),
    "organism": re.compile(
        r"\b(organism|pathogen|infection|infected|virus|viral|bacteri\w*|fung\w*|caused by|"
        r"culture|grew|parasit\w*|[A-Z][a-z]+ [a-z]{4,}(?:ae|us|is|um|ii|i|a)\b)"
    ),
    "management": re.compile(
        r"\b(administered|adminstered|prescrib\w*|recommend\w*|perform\w*|schedul\w*|order\w*|"
        r"start\w*|initiat\w*|treat\w*|given|advis\w*|refer\w*|undergo\w*|underwent|obtained|"
        r"measured|checked|begun|continued|therapy|counsel\w*|reassur\w*|educat\w*|switch\w*|"
        r"discontinu\w*|placed|admitted|transfus\w*|next step|managed|management|required)\b",
        re.I,
    ),
    "finding": re.compile(
        r"\b(shows?|reveals?|mm Hg|/min|mg/dL|examination|temperature|pulse|history|reports?|"
        r"complains?|denies)\b",
        re.I,
    ),
}
_ORGANISM_TYPE = re.compile(
    r"\b(organism|pathogen|virus|bacteri\w*|fung\w*|parasit\w*|culture|grew)\b", re.I
)
_EXPLICIT_ORGANISM = re.compile(r"\b(organism|pathogen)s?\b", re.I)
_TREATMENT_TYPE = re.compile(r"\b(therapy|treat\w*|supplement\w*|surgery|surgical)\b", re.I)

LOCATOR_DENSE = [
    "relative_position",
    "is_last",
    "is_first",
    "length",
    "digit_fraction",
    "cue_diagnosis",
    "cue_organism",
    "cue_management",
    "cue_finding",
    "has_drug",
]
FLAG_DENSE = [
    "locator_score",
    "locator_margin",
    "relative_position",
    "answer_terms",
    "has_drug",
    "medquad_linked",
    "medquad_link_log_rank",
    "medquad_link_top5",
    "medquad_link_score_ratio",
    "medquad_treatment_log_rank",
    "medquad_treatment_cover",
    "medquad_profile_cover",
    "pubmedqa_fit",
    "notes_support",
    "notes_refute",
    "notes_similarity",
]


# -- one note, prepared once ---------------------------------------------------------------------


@dataclass
class Prepared:
    note: MedecNote
    sentences: list[Sentence]
    stems: list[list[str]]
    drugs: list[list[Any]]
    locator_dense: list[list[float]]
    locator_scores: list[float] = field(default_factory=list)

    def other_stems(self, k: int) -> set[str]:
        return {t for i, st in enumerate(self.stems) if i != k for t in st}

    def findings(self, k: int) -> str:
        return " ".join(s.text for i, s in enumerate(self.sentences) if i != k)


def prepare(note: MedecNote) -> Prepared:
    """Sentences (the note's own, else segmented), stems, drug mentions and locator features."""
    if note.sentences:
        sentences = list(note.sentences)
    else:
        from medfact.segment import segment

        sentences = segment(note.text)
    if not sentences:
        raise InputError("the note has no sentence", record=note.id, field="text")
    if len(sentences) > MAX_SENTENCES:
        raise InputError(
            f"the note has {len(sentences)} sentences; the limit is {MAX_SENTENCES}",
            record=note.id,
            field="text",
        )
    lexicon = drug_lexicon()
    stems = [[t for t in content_stems(s.text) if not t[0].isdigit()] for s in sentences]
    drugs = [lexicon.find(s.text) for s in sentences]
    m = len(sentences)
    dense = []
    for i, s in enumerate(sentences):
        text = s.text
        dense.append(
            [
                i / max(m - 1, 1),
                float(i == m - 1),
                float(i == 0),
                min(len(text.split()), 60) / 60,
                sum(c.isdigit() for c in text) / max(len(text), 1),
                *(float(len(rx.findall(text))) for rx in _CUES.values()),
                float(bool(drugs[i])),
            ]
        )
    return Prepared(note, sentences, stems, drugs, dense)


def note_key(note: MedecNote) -> tuple:
    sentences = tuple(s.text for s in note.sentences) if note.sentences else None
    return (note.id, hash(note.text), hash(sentences))


def prepare_cached(knowledge: Knowledge, note: MedecNote) -> Prepared:
    key = ("prepared", note_key(note))
    hit = knowledge.cache.get(key)
    if hit is not None and hit.note is note:
        return hit
    return knowledge.remember(key, prepare(note))


# -- locator -------------------------------------------------------------------------------------


def fit_locator(prepared: Sequence[Prepared]) -> LinearModel:
    """Sentence scorer: the error sentence of a note with an error is positive; every other
    sentence, including every sentence of a clean note, is negative."""
    dense, texts, y = [], [], []
    for p in prepared:
        note = p.note
        target = note.error_sentence_id if note.error_flag else None
        if note.error_flag and target is None:
            continue
        for i, s in enumerate(p.sentences):
            dense.append(p.locator_dense[i])
            texts.append(s.text)
            y.append(int(target is not None and s.index == target))
    if not y or sum(y) == 0:
        raise InputError("fit needs labelled notes with an error sentence")
    model = LinearModel(LOCATOR_DENSE, NgramVectorizer("word", (1, 2), 2), C=1.0)
    return model.fit(dense, texts, y, class_weight="balanced")


def locate(locator: LinearModel, p: Prepared) -> tuple[int, float, float]:
    scores = [
        locator.decision(d, s.text) for d, s in zip(p.locator_dense, p.sentences, strict=True)
    ]
    p.locator_scores = scores
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = order[0]
    margin = scores[best] - scores[order[1]] if len(order) > 1 else 10.0
    return best, scores[best], margin


# -- flag features -------------------------------------------------------------------------------


def new_flag_model(use_prior: bool, names: Sequence[str] = tuple(FLAG_DENSE)) -> LinearModel:
    """The flag model over dense features ``names`` (and character n-grams with the prior)."""
    text = NgramVectorizer("char_wb", (2, 4), 2) if use_prior else None
    return LinearModel(names, text, C=1.0)


def boilerplate_stems(prepared: Sequence[Prepared], share: float = 0.12) -> set[str]:
    """Stems in more than ``share`` of the notes: vignette boilerplate ("year", "old", "pulse")."""
    df: dict[str, int] = {}
    for p in prepared:
        for t in {t for st in p.stems for t in st}:
            df[t] = df.get(t, 0) + 1
    return {t for t, c in df.items() if c > share * len(prepared)}


class FeatureContext:
    def __init__(self, knowledge: Knowledge, boilerplate: set[str], sources: Sequence[str]):
        self.k = knowledge
        self.boilerplate = boilerplate
        self.boilerplate_key = hash(frozenset(boilerplate))
        self.sources = set(sources)

    def features(
        self, p: Prepared, k: int, score: float, margin: float, exclude_ids: set[str]
    ) -> tuple[dict[str, float], dict[str, Any]]:
        sentence = p.sentences[k].text
        other = p.other_stems(k)
        answer = answer_stems(sentence, other)
        answer_rare = [a for a in answer if a not in self.boilerplate]
        findings_terms = [
            t for i, st in enumerate(p.stems) if i != k for t in st if t not in self.boilerplate
        ]
        values = dict.fromkeys(FLAG_DENSE, 0.0)
        values["medquad_link_rank"] = -1.0
        values.update(
            locator_score=score,
            locator_margin=min(margin, 10.0),
            relative_position=k / max(len(p.sentences) - 1, 1),
            answer_terms=min(len(answer), 20) / 20,
            has_drug=float(bool(p.drugs[k])),
        )
        key = ("corpus", note_key(p.note), k, tuple(sorted(self.sources)), self.boilerplate_key)
        cached = self.k.cache.get(key)
        if cached is None:
            corpus_values: dict[str, float] = {}
            corpus_details: dict[str, Any] = {"answer": answer, "evidence": []}
            focus = self.k.focus
            if focus is not None and "medquad" in self.sources and findings_terms:
                self._medquad(
                    focus, findings_terms, answer, answer_rare, corpus_values, corpus_details
                )
            if self.k.pubmed is not None and "pubmedqa" in self.sources and answer_rare:
                self._pubmedqa(p.findings(k), answer_rare, corpus_values, corpus_details)
            cached = self.k.remember(key, (corpus_values, corpus_details))
        values.update(cached[0])
        details: dict[str, Any] = {**cached[1], "evidence": list(cached[1]["evidence"])}
        if self.k.memory is not None and "notes" in self.sources:
            self._notes(p, k, set(answer_rare), exclude_ids, values, details)
        return values, details

    def _pubmedqa(self, findings: str, answer_rare, values, details) -> None:
        pubmed = self.k.pubmed
        sf = pubmed.scores(findings)
        sa = pubmed.scores(" ".join(answer_rare))
        if sa.max() > 0 and sf.max() > 0:
            top = np.argsort(-sa)[:5]
            best = int(top[np.argmax(sf[top])])
            values["pubmedqa_fit"] = float(sf[best] / sf.max())
            details["evidence"].append(pubmed.evidence(pubmed.passage(best), float(sa[best])))

    def _medquad(self, focus, findings_terms, answer, answer_rare, values, details) -> None:
        sf = focus.profiles.scores(findings_terms)
        top_score = float(sf.max())
        if top_score <= 0:
            return
        order = np.argsort(-sf)
        details["ranked_foci"] = [int(i) for i in order[:10]]

        def rank(i: int) -> int:
            return int((sf > sf[i]).sum())

        linked = focus.link(answer)
        details["linked_foci"] = linked
        if linked:
            best = min(linked, key=rank)
            r = rank(best)
            values["medquad_linked"] = 1.0
            values["medquad_link_rank"] = float(r)
            values["medquad_link_log_rank"] = math.log1p(r)
            values["medquad_link_top5"] = float(r < 5)
            values["medquad_link_score_ratio"] = float(sf[best] / top_score)
            details["evidence"].append(focus.evidence(best, float(sf[best])))
        treated = focus.treated_by(answer_rare) if answer_rare else []
        if treated:
            values["medquad_treatment_log_rank"] = math.log1p(min(rank(i) for i in treated))
        if answer_rare:
            weights = [focus.profiles.idf_of(a) for a in answer_rare]
            total = sum(weights) or 1.0
            treat_cover = prof_cover = 0.0
            for r, i in enumerate(order[:10]):
                i = int(i)
                treat_cover += (
                    sum(
                        w
                        for a, w in zip(answer_rare, weights, strict=True)
                        if focus.treatments.holds(a, i)
                    )
                    / total
                    / (r + 1)
                )
                prof_cover += (
                    sum(
                        w
                        for a, w in zip(answer_rare, weights, strict=True)
                        if focus.profiles.holds(a, i)
                    )
                    / total
                    / (r + 1)
                )
            values["medquad_treatment_cover"] = treat_cover
            values["medquad_profile_cover"] = prof_cover
        alternative = next((int(i) for i in order[:5] if int(i) not in set(linked)), None)
        if alternative is not None:
            details["alternative_focus"] = alternative
            if not linked or alternative != linked[0]:
                details["evidence"].append(focus.evidence(alternative, float(sf[alternative])))

    def _notes(self, p, k, answer: set[str], exclude_ids, values, details) -> None:
        memory = self.k.memory
        similar = [
            (sim, m)
            for sim, m in memory.similar(p.findings(k), k=12)
            if m.id not in exclude_ids and sim < 0.9  # never the note itself or its twin
        ][:8]
        if not similar:
            return
        values["notes_similarity"] = similar[0][0]

        def overlap(text: str | None) -> float:
            if not text or not answer:
                return 0.0
            other = {stem_word(w) for w in re.findall(r"[A-Za-z]+", text)} - {""}
            return len(answer & other) / len(answer | other) if answer | other else 0.0

        values["notes_support"] = max(sim * overlap(m.right) for sim, m in similar)
        values["notes_refute"] = max(sim * overlap(m.wrong) for sim, m in similar)
        details["similar_notes"] = similar
        sim, best = similar[0]
        if best.right:
            details["evidence"].append(
                Evidence(
                    text=best.right,
                    source="medec-notes",
                    doc_id=best.id,
                    span=(0, len(best.right)),
                    score=round(float(sim), 4),
                )
            )


# -- folds ---------------------------------------------------------------------------------------

_ID_NUMBER = re.compile(r"^(.*?)(\d+)$")


def twin_groups(notes: Sequence[MedecNote]) -> list[list[int]]:
    """Indices of notes grouped so that error/clean twins (adjacent ids, one with an error and
    one without) stay together; every other note is a group of its own."""
    position = {}
    for i, n in enumerate(notes):
        m = _ID_NUMBER.match(n.id)
        if m:
            position[(m.group(1), int(m.group(2)))] = i
    used: set[int] = set()
    groups: list[list[int]] = []
    for i, n in enumerate(notes):
        if i in used:
            continue
        used.add(i)
        group = [i]
        m = _ID_NUMBER.match(n.id)
        if m:
            j = position.get((m.group(1), int(m.group(2)) + 1))
            if (
                j is not None
                and j not in used
                and notes[j].error_flag is not None
                and n.error_flag is not None
                and bool(notes[j].error_flag) != bool(n.error_flag)
            ):
                group.append(j)
                used.add(j)
        groups.append(group)
    return groups


def assign_folds(groups: Sequence[Sequence[int]], folds: int, seed: int = 0) -> list[int]:
    """A fold number per note; groups are dealt to folds in a seeded random order."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(groups))
    n = sum(len(g) for g in groups)
    out = [0] * n
    for rank, g in enumerate(order):
        for i in groups[g]:
            out[i] = rank % folds
    return out


def fit_rules(
    ranks: Sequence[float | None],
    y: Sequence[int],
    flag_grid: Sequence[int] = (10, 30, 100, 300),
    clear_grid: Sequence[int] = (5, 3, 1),
    min_support: int = 12,
) -> dict[str, float | None]:
    """Knowledge rules calibrated on training notes: a stated answer whose MedQuAD profile ranks
    at or below ``flag_rank`` for the findings is flagged when such training notes held an error
    clearly more often than notes in general (the base rate plus 0.05, over at least
    ``min_support`` notes); one ranking above ``clear_rank`` is cleared when such notes held an
    error at most 0.4 of the time."""
    rules: dict[str, float | None] = {
        "flag_rank": None,
        "flag_precision": None,
        "clear_rank": None,
        "clear_error_rate": None,
    }
    pairs = [(r, yi) for r, yi in zip(ranks, y, strict=True) if r is not None]
    base = sum(y) / max(len(y), 1)
    for cut in flag_grid:
        hits = [yi for r, yi in pairs if r >= cut]
        if len(hits) >= min_support and sum(hits) / len(hits) >= base + 0.05:
            rules["flag_rank"], rules["flag_precision"] = cut, round(sum(hits) / len(hits), 4)
            break
    for cut in clear_grid:
        hits = [yi for r, yi in pairs if r < cut]
        if len(hits) >= min_support and sum(hits) / len(hits) <= 0.4:
            rules["clear_rank"], rules["clear_error_rate"] = cut, round(sum(hits) / len(hits), 4)
            break
    return rules


def choose_threshold(
    probs: Sequence[float], y: Sequence[int], sentence_ok: Sequence[bool], window: float = 0.02
) -> tuple[float, dict[str, float]]:
    """The threshold with the best flag accuracy (then sentence accuracy) over out-of-fold
    probabilities, each averaged over a +-``window`` neighbourhood so that one lucky cut does
    not decide it; ties go to the threshold closest to 0.5."""
    n = len(y)
    grid = np.round(np.arange(0.25, 0.751, 0.01), 2)

    def accuracies(t: float) -> tuple[float, float]:
        flag = [p >= t for p in probs]
        flag_acc = sum(int(f) == yi for f, yi in zip(flag, y, strict=True)) / n
        sent_acc = (
            sum(
                (f and ok) or (not f and not yi)
                for f, ok, yi in zip(flag, sentence_ok, y, strict=True)
            )
            / n
        )
        return flag_acc, sent_acc

    raw = {float(t): accuracies(float(t)) for t in grid}
    best_key, best_t = None, 0.5
    for t in raw:
        near = [raw[u] for u in raw if abs(u - t) <= window + 1e-9]
        flag_acc = sum(a for a, _ in near) / len(near)
        sent_acc = sum(b for _, b in near) / len(near)
        key = (round(flag_acc, 6), round(sent_acc, 6), -abs(t - 0.5))
        if best_key is None or key > best_key:
            best_key, best_t = key, t
    flag_acc, sent_acc = raw[best_t]
    return best_t, {
        "inner_flag_accuracy": round(flag_acc, 4),
        "inner_sentence_accuracy": round(sent_acc, 4),
    }


# -- error type -----------------------------------------------------------------------------------


def guess_type(text: str, details: dict[str, Any], has_drug: bool) -> MedecType:
    if _EXPLICIT_ORGANISM.search(text) or (_ORGANISM_TYPE.search(text) and not has_drug):
        return MedecType.CAUSAL_ORGANISM
    if _CUES["diagnosis"].search(text) and not _CUES["management"].search(text):
        return MedecType.DIAGNOSIS
    if details.get("linked_foci") and not has_drug and not _CUES["management"].search(text):
        return MedecType.DIAGNOSIS
    if has_drug:
        return MedecType.PHARMACOTHERAPY
    if _TREATMENT_TYPE.search(text):
        return MedecType.TREATMENT
    return MedecType.MANAGEMENT
