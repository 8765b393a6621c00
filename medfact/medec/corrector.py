"""MEDEC correctors: decide whether a clinical note holds an error, find the sentence, fix it.

Correctors are plug-ins registered by versioned name in :data:`correctors` (entry-point group
``medfact.correctors``); each takes a :class:`~medfact.medec.data.MedecNote` and returns a
:class:`~medfact.types.Correction`. The CPU default is ``knowledge.v1``
(:class:`KnowledgeCorrector`):

1. **Locate** the medically decisive sentence (a stated diagnosis, organism, drug or next step):
   a logistic model over cue words, position and word n-grams scores every sentence.
2. **Check it against knowledge**: the stated answer is linked to MedQuAD condition profiles by
   name and to the conditions whose treatment passages mention it; those are ranked against the
   note's other sentences (the findings) among all ~4,700 MedQuAD profiles. A stated answer whose
   profile ranks far below the best-fitting ones is suspect. PubMedQA abstracts retrieved for
   the answer are compared the same way, and the most similar annotated notes (when a labelled
   file is given) say whether the statement resembles a known error or a known correction.
3. **Decide** with a logistic model over these features plus character n-grams of the sentence
   (what annotated notes teach about wrong and right answers); the threshold is calibrated by
   cross-validation on the training notes, never on test notes.
4. **Correct**: replace the stated answer by the best-fitting alternative (a MedQuAD condition or
   a drug from its treatment passages), or by the correction of the most similar annotated note.

The LM route (few-shot with retrieved similar notes through the evaluator LM backend) is meant to
register as another name here, e.g. ``lm.v1``, with the same contract.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from medfact.errors import ConfigError, CorpusError, InputError, NotFittedError
from medfact.medec.data import MedecNote
from medfact.medec.features import LinearModel, NgramVectorizer
from medfact.medec.knowledge import (
    FocusIndex,
    MemoryNote,
    NoteMemory,
    answer_stems,
    stem_word,
)
from medfact.registry import Registry
from medfact.taxonomy import MedecType
from medfact.textutil import content_stems
from medfact.types import Correction, Evidence, Sentence

log = logging.getLogger(__name__)

correctors = Registry("correctors", "medfact.medec.corrector")

MODEL_FORMAT = "medfact.medec-corrector"
MODEL_VERSION = 1
DEFAULT_MODEL = "knowledge_v1.json"
SOURCES = ("medquad", "pubmedqa", "notes", "prior")
MAX_SENTENCES = 400


@runtime_checkable
class Corrector(Protocol):
    """What every corrector plug-in provides."""

    name: str

    def correct(self, note: MedecNote) -> Correction:
        """The answer for one note."""
        ...

    def pipe(self, notes: Iterable[MedecNote], batch_size: int = 32) -> Iterator[Correction]:
        """Answers for many notes, in order."""
        ...


class BaseCorrector:
    """Shared plumbing: ``pipe`` over ``correct``, and calling with plain text."""

    name = "base"

    def correct(self, note: MedecNote) -> Correction:  # pragma: no cover - abstract
        raise NotImplementedError

    def pipe(self, notes: Iterable[MedecNote], batch_size: int = 32) -> Iterator[Correction]:
        for note in notes:
            yield self.correct(note)

    def __call__(self, text: str, note_id: str = "note") -> Correction:
        return self.correct(MedecNote(id=note_id, text=text))


# -- data locations ------------------------------------------------------------------------------


def default_data_dir() -> Path | None:
    """``$MEDFACT_DATA``, else ``../shared/data`` beside the source tree or the working folder."""
    env = os.environ.get("MEDFACT_DATA")
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[2].parent / "shared" / "data",
        Path.cwd().parent / "shared" / "data",
    ):
        if candidate.is_dir():
            return candidate
    return None


def default_notes_file(data_dir: Path | None) -> Path | None:
    if data_dir is None:
        return None
    folder = data_dir / "medec-ms"
    found = sorted(folder.glob("*Validation*.csv")) if folder.is_dir() else []
    return found[0] if found else None


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


@lru_cache(maxsize=1)
def _lexicon():
    from medfact.lexicon.drugs import default_lexicon

    return default_lexicon()


# -- one note, prepared once ---------------------------------------------------------------------


@dataclass
class _Prepared:
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


def prepare(note: MedecNote) -> _Prepared:
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
    lexicon = _lexicon()
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
    return _Prepared(note, sentences, stems, drugs, dense)


def _note_key(note: MedecNote) -> tuple:
    sentences = tuple(s.text for s in note.sentences) if note.sentences else None
    return (note.id, hash(note.text), hash(sentences))


def _prepare_cached(knowledge: Knowledge, note: MedecNote) -> _Prepared:
    key = ("prepared", _note_key(note))
    hit = knowledge.cache.get(key)
    if hit is not None and hit.note is note:
        return hit
    return knowledge.remember(key, prepare(note))


# -- the knowledge resources ---------------------------------------------------------------------


@dataclass
class Knowledge:
    """What the corrector retrieves from; any part may be missing (its features are then 0)."""

    focus: FocusIndex | None = None
    pubmed: Any = None  # medfact.corpora.BM25Corpus
    memory: NoteMemory | None = None
    #: per-note work that depends on no label (prepared notes, corpus features), by text hash
    cache: dict = field(default_factory=dict)
    cache_limit: int = 5000

    def remember(self, key: Any, value: Any) -> Any:
        if len(self.cache) >= self.cache_limit:
            self.cache.clear()
        self.cache[key] = value
        return value


def memory_from_notes(notes: Iterable[MedecNote]) -> NoteMemory:
    """A :class:`NoteMemory` of the labelled notes with an error (their error sentence and its
    correction); clean notes carry no located answer and are left out."""
    items = []
    for note in notes:
        if not note.error_flag or note.sentences is None or note.error_sentence_id is None:
            continue
        k = note.error_sentence_id
        findings = " ".join(s.text for s in note.sentences if s.index != k)
        items.append(
            MemoryNote(
                id=note.id,
                findings=findings,
                wrong=note.sentences[k].text,
                right=note.corrected_sentence,
                error_type=note.error_type.value if note.error_type else None,
            )
        )
    return NoteMemory(items)


# -- the default corrector -----------------------------------------------------------------------


class KnowledgeCorrector(BaseCorrector):
    """The CPU default: locate the decisive sentence, check it against MedQuAD, PubMedQA and
    similar annotated notes, decide with a calibrated model, propose a correction.

    Parameters (all optional; the constructor stores them and loads nothing):

    model
        Path of a saved model (JSON); default: the one shipped with medfact.
    data_dir
        Folder holding ``medquad/``, ``pubmedqa/`` and ``medec-ms/``; default ``$MEDFACT_DATA``
        or ``../shared/data``.
    medquad, pubmedqa, notes
        Override one source's path (a MedQuAD folder, PubMedQA ``ori_pqal.json``, a labelled
        MEDEC CSV or JSONL of similar notes). ``notes=False`` turns similar notes off.
    home
        Where indexes are built and kept (default ``$MEDFACT_HOME`` or ``~/.cache/medfact``).
    threshold
        Probability of an error above which a note is flagged; default: the calibrated one.
    error_prevalence
        Expected share of notes with an error in your data; the model's probabilities are
        shifted from the prevalence it was trained on (MEDEC's 0.556) to this one.
    sources
        Knowledge used by ``fit`` (for ablations): any of medquad, pubmedqa, notes, prior.
    """

    name = "knowledge.v1"

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        medquad: str | os.PathLike[str] | None = None,
        pubmedqa: str | os.PathLike[str] | None = None,
        notes: str | os.PathLike[str] | bool | None = None,
        home: str | os.PathLike[str] | None = None,
        threshold: float | None = None,
        error_prevalence: float | None = None,
        sources: Sequence[str] = SOURCES,
    ) -> None:
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            raise ConfigError(
                f"KnowledgeCorrector sources must be among {', '.join(SOURCES)}; got {unknown[0]!r}"
            )
        if threshold is not None and not 0.0 < threshold < 1.0:
            raise ConfigError(f"KnowledgeCorrector threshold must be in (0, 1), got {threshold!r}")
        if error_prevalence is not None and not 0.0 < error_prevalence < 1.0:
            raise ConfigError(
                f"KnowledgeCorrector error_prevalence must be in (0, 1), got {error_prevalence!r}"
            )
        self.model = model
        self.data_dir = data_dir
        self.medquad = medquad
        self.pubmedqa = pubmedqa
        self.notes = notes
        self.home = home
        self.threshold = threshold
        self.error_prevalence = error_prevalence
        self.sources = tuple(sources)
        self._knowledge: Knowledge | None = None
        self._fitted: dict[str, Any] | None = None

    # -- resources --------------------------------------------------------------------------

    def _data_dir(self) -> Path | None:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    def knowledge(self, load_notes: bool = True) -> Knowledge:
        """Open (building where needed) the knowledge sources; missing ones are left out.
        ``load_notes=False`` leaves the similar-notes memory empty (``fit`` fills it)."""
        if self._knowledge is not None:
            return self._knowledge
        data = self._data_dir()
        knowledge = Knowledge()
        medquad = Path(self.medquad) if self.medquad else (data / "medquad" if data else None)
        if medquad is not None and medquad.is_dir():
            knowledge.focus = FocusIndex.open(medquad, self.home)
        else:
            log.warning("MedQuAD not found (%s); its features are off", medquad)
        pubmed = (
            Path(self.pubmedqa)
            if self.pubmedqa
            else (data / "pubmedqa" / "ori_pqal.json" if data else None)
        )
        if pubmed is not None and pubmed.is_file():
            knowledge.pubmed = _open_pubmedqa(pubmed, self.home)
        else:
            log.warning("PubMedQA not found (%s); its features are off", pubmed)
        if load_notes and self.notes is not False:
            path = Path(self.notes) if isinstance(self.notes, str | os.PathLike) else None
            path = path or default_notes_file(data)
            if path is not None and path.is_file():
                from medfact.medec.data import load_notes

                labelled, _ = load_notes(path)
                knowledge.memory = memory_from_notes(labelled)
        self._knowledge = knowledge
        return knowledge

    def use_knowledge(self, knowledge: Knowledge) -> KnowledgeCorrector:
        """Use these sources (shared between correctors, e.g. across cross-validation folds)."""
        self._knowledge = knowledge
        return self

    # -- model ------------------------------------------------------------------------------

    def _model(self) -> dict[str, Any]:
        if self._fitted is None:
            if self.model is not None:
                data = json.loads(Path(self.model).read_text(encoding="utf-8"))
            else:
                text = resources.files("medfact.medec").joinpath(DEFAULT_MODEL).read_text("utf-8")
                data = json.loads(text)
            self._fitted = _model_from_dict(data)
        return self._fitted

    def save(self, path: str | os.PathLike[str], **extra: Any) -> None:
        """Write the fitted model as JSON (``extra`` is recorded in its ``meta``)."""
        if self._fitted is None:
            raise NotFittedError("KnowledgeCorrector has no fitted model to save; call fit()")
        fitted = self._fitted
        data = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_VERSION,
            "name": self.name,
            "sources": list(fitted["sources"]),
            "boilerplate": sorted(fitted["boilerplate"]),
            "threshold": round(fitted["threshold"], 4),
            "rules": fitted["rules"],
            "prevalence": round(fitted["prevalence"], 4),
            "locator": fitted["locator"].to_dict(),
            "flag": fitted["flag"].to_dict(),
            "meta": {**fitted.get("meta", {}), **extra},
        }
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    # -- fitting ----------------------------------------------------------------------------

    def fit(self, notes: Sequence[MedecNote], folds: int = 4, seed: int = 0) -> KnowledgeCorrector:
        """Fit the locator, the flag model and its threshold on labelled notes.

        Features of the training notes come from an inner ``folds``-fold cross-validation
        (twins in one fold), so the flag model learns from sentences located the way a new note's
        would be; the threshold maximises the mean of flag and sentence accuracy over the inner
        out-of-fold predictions. Similar-note features of a training note never use its own
        group (itself and its twin).
        """
        notes = [n for n in notes if n.labelled]
        if len(notes) < 2 * folds:
            raise InputError(f"fit needs at least {2 * folds} labelled notes, got {len(notes)}")
        knowledge = self.knowledge(load_notes=False)
        # similar notes come from the training notes only
        knowledge.memory = memory_from_notes(notes) if self.notes is not False else None
        prepared = [_prepare_cached(knowledge, n) for n in notes]
        groups = twin_groups(notes)
        inner = assign_folds(groups, folds, seed)
        boilerplate = _boilerplate(prepared)
        y = [int(bool(n.error_flag)) for n in notes]
        # inner out-of-fold located sentences
        located: list[tuple[int, float, float]] = [(0, 0.0, 0.0)] * len(notes)
        for j in range(folds):
            train = [i for i in range(len(notes)) if inner[i] != j]
            locator = _fit_locator([prepared[i] for i in train])
            for i in range(len(notes)):
                if inner[i] == j:
                    located[i] = _locate(locator, prepared[i])
        locator = _fit_locator(prepared)
        ctx = _FeatureContext(knowledge, boilerplate, self.sources)
        group_of = {notes[i].id: g for g, members in enumerate(groups) for i in members}
        dense, texts, ranks = [], [], []
        for i, p in enumerate(prepared):
            k, score, margin = located[i]
            exclude = {notes[m].id for m in groups[group_of[notes[i].id]]}
            values, _ = ctx.features(p, k, score, margin, exclude_ids=exclude)
            dense.append([float(values[name]) for name in FLAG_DENSE])
            texts.append(p.sentences[k].text)
            ranks.append(values["medquad_link_rank"] if values["medquad_linked"] else None)
        use_prior = "prior" in self.sources
        oof = [0.0] * len(notes)
        for j in range(folds):
            train = [i for i in range(len(notes)) if inner[i] != j]
            model = _new_flag_model(use_prior).fit(
                [dense[i] for i in train],
                [texts[i] for i in train] if use_prior else None,
                [y[i] for i in train],
            )
            for i in range(len(notes)):
                if inner[i] == j:
                    oof[i] = model.probability(dense[i], texts[i] if use_prior else None)
        sentence_ok = [
            bool(notes[i].error_flag) and located[i][0] == notes[i].error_sentence_id
            for i in range(len(notes))
        ]
        threshold, inner_scores = _choose_threshold(oof, y, sentence_ok)
        rules = _fit_rules(ranks, y) if "medquad" in self.sources else {}
        flag = _new_flag_model(use_prior).fit(dense, texts if use_prior else None, y)
        self._fitted = {
            "sources": self.sources,
            "boilerplate": boilerplate,
            "threshold": threshold,
            "rules": rules,
            "prevalence": sum(y) / len(y),
            "locator": locator,
            "flag": flag,
            "meta": {"notes": len(notes), "inner_folds": folds, "seed": seed, **inner_scores},
        }
        return self

    # -- prediction -------------------------------------------------------------------------

    def probability(self, note: MedecNote) -> tuple[float, int, dict[str, Any]]:
        """P(error), the located sentence index, and the details behind them."""
        fitted = self._model()
        knowledge = self.knowledge()
        p = _prepare_cached(knowledge, note)
        k, score, margin = _locate(fitted["locator"], p)
        ctx = _FeatureContext(knowledge, fitted["boilerplate"], fitted["sources"])
        values, details = ctx.features(p, k, score, margin, exclude_ids={note.id})
        flag: LinearModel = fitted["flag"]
        missing = [name for name in flag.dense_names if name not in values]
        if missing:
            raise ConfigError(
                f"the model needs feature {missing[0]!r}, which this medfact does not compute; "
                "refit it (python bench/medec.py --fit-out ...)"
            )
        row = [float(values[name]) for name in flag.dense_names]
        use_prior = "prior" in fitted["sources"]
        z = flag.decision(row, p.sentences[k].text if use_prior else None)
        if self.error_prevalence is not None:
            z += _logit(self.error_prevalence) - _logit(fitted["prevalence"])
        prob = 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0
        details["prepared"] = p
        details["rule"] = None
        rules = fitted.get("rules") or {}
        rank = values.get("medquad_link_rank", -1.0)
        if values.get("medquad_linked") and rank >= 0:
            if rules.get("flag_rank") is not None and rank >= rules["flag_rank"]:
                details["rule"] = "stated answer fits the findings worse than many conditions"
                prob = max(prob, rules["flag_precision"])
                details["force"] = True
            elif rules.get("clear_rank") is not None and rank < rules["clear_rank"]:
                details["rule"] = "stated answer is among the best-fitting conditions"
                prob = min(prob, rules["clear_error_rate"])
                details["force"] = False
        return prob, k, details

    def correct(self, note: MedecNote) -> Correction:
        fitted = self._model()
        prob, k, details = self.probability(note)
        threshold = self.threshold if self.threshold is not None else fitted["threshold"]
        p: _Prepared = details.pop("prepared")
        sentence = p.sentences[k]
        evidence: list[Evidence] = details.get("evidence", [])
        forced = details.get("force")
        if forced is False or (forced is None and prob < threshold):
            return Correction(
                id=note.id, error_flag=False, confidence=round(1 - prob, 4), evidence=evidence
            )
        error_type = _guess_type(sentence.text, details, bool(p.drugs[k]))
        span = sentence.span if sentence.span[0] >= 0 else None
        return Correction(
            id=note.id,
            error_flag=True,
            sentence_index=sentence.index,
            sentence_span=span,
            sentence=sentence.text,
            corrected_sentence=_propose(p, k, details, self.knowledge()),
            error_type=error_type,
            category=error_type.category,
            confidence=round(prob, 4),
            evidence=evidence,
        )


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _model_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("format") != MODEL_FORMAT or data.get("format_version") != MODEL_VERSION:
        raise ConfigError(
            f"not a {MODEL_FORMAT} v{MODEL_VERSION} model (format {data.get('format')!r}, "
            f"version {data.get('format_version')!r})"
        )
    return {
        "sources": tuple(data["sources"]),
        "boilerplate": set(data["boilerplate"]),
        "threshold": float(data["threshold"]),
        "rules": dict(data.get("rules") or {}),
        "prevalence": float(data["prevalence"]),
        "locator": LinearModel.from_dict(data["locator"]),
        "flag": LinearModel.from_dict(data["flag"]),
        "meta": data.get("meta", {}),
    }


def _open_pubmedqa(path: Path, home: str | os.PathLike[str] | None):
    from medfact.corpora import BM25Corpus, corpus_dir, iter_pubmedqa

    directory = corpus_dir("medec-pubmedqa", home)
    try:
        return BM25Corpus.load(directory)
    except CorpusError:
        log.info("building the PubMedQA index at %s", directory)
        return BM25Corpus.build("medec-pubmedqa", iter_pubmedqa(path), directory, overwrite=True)


# -- locator -------------------------------------------------------------------------------------


def _fit_locator(prepared: Sequence[_Prepared]) -> LinearModel:
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


def _locate(locator: LinearModel, p: _Prepared) -> tuple[int, float, float]:
    scores = [
        locator.decision(d, s.text) for d, s in zip(p.locator_dense, p.sentences, strict=True)
    ]
    p.locator_scores = scores
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    best = order[0]
    margin = scores[best] - scores[order[1]] if len(order) > 1 else 10.0
    return best, scores[best], margin


# -- flag features -------------------------------------------------------------------------------


def _new_flag_model(use_prior: bool) -> LinearModel:
    text = NgramVectorizer("char_wb", (2, 4), 2) if use_prior else None
    return LinearModel(FLAG_DENSE, text, C=1.0)


def _boilerplate(prepared: Sequence[_Prepared], share: float = 0.12) -> set[str]:
    """Stems in more than ``share`` of the notes: vignette boilerplate ("year", "old", "pulse")."""
    df: dict[str, int] = {}
    for p in prepared:
        for t in {t for st in p.stems for t in st}:
            df[t] = df.get(t, 0) + 1
    return {t for t, c in df.items() if c > share * len(prepared)}


class _FeatureContext:
    def __init__(self, knowledge: Knowledge, boilerplate: set[str], sources: Sequence[str]):
        self.k = knowledge
        self.boilerplate = boilerplate
        self.boilerplate_key = hash(frozenset(boilerplate))
        self.sources = set(sources)

    def features(
        self, p: _Prepared, k: int, score: float, margin: float, exclude_ids: set[str]
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
        key = ("corpus", _note_key(p.note), k, tuple(sorted(self.sources)), self.boilerplate_key)
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


# -- type and correction -------------------------------------------------------------------------


def _guess_type(text: str, details: dict[str, Any], has_drug: bool) -> MedecType:
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


_WORD_SPAN = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def _answer_span(sentence: str, answer: Sequence[str]) -> tuple[int, int] | None:
    """Character span of the longest run of consecutive words whose stems are the stated
    answer (stop words inside a run are kept: "vitamin D deficiency rickets")."""
    wanted = set(answer)
    words = list(_WORD_SPAN.finditer(sentence))
    best: tuple[int, int] | None = None
    run_start = run_end = None
    length = best_length = 0
    for m in words:
        st = stem_word(m.group())
        if st in wanted:
            if run_start is None:
                run_start, length = m.start(), 0
            run_end = m.end()
            length += 1
            if length > best_length:
                best, best_length = (run_start, run_end), length
        elif st:  # a content word outside the answer ends the run; stop words do not
            run_start, length = None, 0
    return best


def _propose(p: _Prepared, k: int, details: dict[str, Any], knowledge: Knowledge) -> str | None:
    """The sentence with its stated answer replaced by the best-fitting alternative, or None."""
    sentence = p.sentences[k].text
    drugs = p.drugs[k]
    focus = knowledge.focus
    if drugs and focus is not None and details.get("ranked_foci"):
        stated = {d.canonical for d in drugs}
        lexicon = _lexicon()
        for i in details["ranked_foci"][:5]:
            for doc_id in focus.doc_ids[i]:
                text = focus.passage_text(doc_id) or ""
                for mention in lexicon.find(text):
                    if mention.canonical not in stated:
                        d = drugs[0]
                        return sentence[: d.start] + mention.surface + sentence[d.end :]
    span = _answer_span(sentence, details.get("answer", []))
    alternative = details.get("alternative_focus")
    if span and focus is not None and alternative is not None and details.get("linked_foci"):
        name = focus.names[alternative]
        return sentence[: span[0]] + name + sentence[span[1] :]
    for sim, m in details.get("similar_notes", [])[:1]:
        if m.right and m.wrong and span and sim >= 0.35:
            # the similar note's correction, in place of this note's stated answer
            other = set(answer_stems(m.wrong, set()))
            fix = [
                w
                for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", m.right)
                if stem_word(w) and stem_word(w) not in other
            ]
            if fix:
                return sentence[: span[0]] + " ".join(fix) + sentence[span[1] :]
    return None


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


def _fit_rules(
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


def _choose_threshold(
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


# -- registry and the library entry point --------------------------------------------------------


@correctors.register("knowledge.v1")
def knowledge_corrector(
    model: str | None = None,
    data_dir: str | None = None,
    medquad: str | None = None,
    pubmedqa: str | None = None,
    notes: str | bool | None = None,
    home: str | None = None,
    threshold: float | None = None,
    error_prevalence: float | None = None,
) -> KnowledgeCorrector:
    """The CPU default: knowledge-checked, calibrated on the MEDEC-MS validation split."""
    return KnowledgeCorrector(
        model=model,
        data_dir=data_dir,
        medquad=medquad,
        pubmedqa=pubmedqa,
        notes=notes,
        home=home,
        threshold=threshold,
        error_prevalence=error_prevalence,
    )


_CACHE: dict[str, Corrector] = {}


def get_corrector(name: str = "knowledge.v1", params: dict[str, Any] | None = None) -> Corrector:
    """A corrector by registered name; the default-parameter one is built once per process."""
    if params:
        return correctors.create(name, params)
    if name not in _CACHE:
        _CACHE[name] = correctors.create(name)
    return _CACHE[name]


def correct(note: str, **options: Any) -> Correction:
    """Check one clinical note: error flag, sentence, type, proposed correction, evidence.

    Options: ``id`` (echoed), ``sentences`` (the note's sentences, when they must keep given
    ids), ``corrector`` (a registered name, default ``knowledge.v1``) and that corrector's
    parameters (e.g. ``threshold``, ``error_prevalence``, ``data_dir``).
    """
    if not isinstance(note, str) or not note.strip():
        raise InputError("the note must be a non-empty string", field="note")
    note_id = str(options.pop("id", "note"))
    sentences = options.pop("sentences", None)
    name = options.pop("corrector", "knowledge.v1")
    from medfact.medec.data import build_note

    record = build_note({"id": note_id, "text": note, "sentences": sentences}, None)
    return get_corrector(name, options).correct(record)


def cross_validate(
    notes: Sequence[MedecNote],
    folds: int = 5,
    seed: int = 0,
    sources: Sequence[str] = SOURCES,
    knowledge: Knowledge | None = None,
    progress: Any = None,
    **params: Any,
) -> dict[str, Correction]:
    """Out-of-fold corrections for labelled ``notes``: twins stay in one fold; each fold is
    answered by a :class:`KnowledgeCorrector` fitted on the other folds only (its similar-note
    memory and calibration included). ``knowledge`` sources are shared across folds."""
    notes = [n for n in notes if n.labelled]
    assignment = assign_folds(twin_groups(notes), folds, seed)
    shared = knowledge
    out: dict[str, Correction] = {}
    for fold in range(folds):
        train = [n for n, f in zip(notes, assignment, strict=True) if f != fold]
        test = [n for n, f in zip(notes, assignment, strict=True) if f == fold]
        corrector = KnowledgeCorrector(sources=sources, **params)
        if shared is not None:
            corrector.use_knowledge(shared)
        corrector.fit(train, seed=seed)
        shared = corrector.knowledge(load_notes=False)
        for note in test:
            out[note.id] = corrector.correct(note)
        if progress is not None:
            progress(fold, corrector)
    return out


# Registered last: the LM corrector builds on this module's base class.
from medfact.medec import lm_corrector  # noqa: E402, F401
