"""MEDEC correctors: decide whether a clinical note holds an error, find the sentence, fix it.

Correctors are plug-ins registered by versioned name in :data:`correctors` (entry-point group
``medfact.correctors``); each takes a :class:`~medfact.medec.data.MedecNote` and returns a
:class:`~medfact.types.Correction`. The CPU default is ``knowledge.v1``
(:class:`KnowledgeCorrector`):

1. **Locate** the medically decisive sentence (a stated diagnosis, organism, drug or next step):
   a logistic model over cue words, position and word n-grams scores every sentence
   (:mod:`medfact.medec.flagging`).
2. **Check it against knowledge**: the stated answer is linked to MedQuAD condition profiles by
   name and to the conditions whose treatment passages mention it; those are ranked against the
   note's other sentences (the findings) among all ~4,700 MedQuAD profiles. PubMedQA abstracts
   and the most similar annotated notes are compared the same way (:mod:`medfact.medec.knowledge`).
3. **Decide** with a logistic model over these features plus character n-grams of the sentence;
   the flag threshold is the one with the best accuracy over out-of-fold predictions of the
   training notes, never chosen on test notes. Below it the corrector answers "no error".
4. **Correct** with a replacement of the type the error needs (an organism, a condition, a drug
   or regimen, an action) from the typed vocabularies (:mod:`medfact.medec.vocab`), written into
   the sentence in clinical form (:mod:`medfact.medec.rewrite`); when the findings support
   nothing of that type better than what the sentence states, no correction is proposed.
5. **Show evidence** only when it mentions the note's findings (:mod:`medfact.medec.evidence`).

The LM route, ``lm.v1`` (:mod:`medfact.medec.lm_corrector`), answers through the evaluator LM
backend, few-shot with retrieved similar notes, with the same contract.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from medfact.errors import ConfigError, InputError, NotFittedError
from medfact.medec.data import MedecNote
from medfact.medec.evidence import filter_evidence, key_findings, vocabulary_evidence
from medfact.medec.features import LinearModel
from medfact.medec.flagging import (
    FLAG_DENSE,
    FeatureContext,
    Prepared,
    assign_folds,
    boilerplate_stems,
    choose_threshold,
    fit_locator,
    fit_rules,
    guess_type,
    locate,
    new_flag_model,
    prepare_cached,
    twin_groups,
)
from medfact.medec.knowledge import (
    FocusIndex,
    Knowledge,
    memory_from_notes,
    open_pubmedqa,
)
from medfact.medec.rewrite import propose
from medfact.medec.support import (
    SUPPORT_FLAG,
    SupportScorer,
    flag_values,
    typed_sentences,
)
from medfact.registry import Registry
from medfact.types import Correction

log = logging.getLogger(__name__)

correctors = Registry("correctors", "medfact.medec.corrector")

MODEL_FORMAT = "medfact.medec-corrector"
MODEL_VERSION = 1
DEFAULT_MODEL = "knowledge_v1.json"
SOURCES = ("medquad", "pubmedqa", "notes", "prior", "support")
SUPPORT_MODEL_ENV = "MEDFACT_SUPPORT_MODEL"


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


def _searched_data_dirs() -> str:
    """Where :func:`default_data_dir` looked, for a "not found" message."""
    here = Path(__file__).resolve()
    places = [here.parents[2].parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    return "$MEDFACT_DATA (unset), " + ", ".join(str(p) for p in places)


def default_notes_file(data_dir: Path | None) -> Path | None:
    if data_dir is None:
        return None
    folder = data_dir / "medec-ms"
    found = sorted(folder.glob("*Validation*.csv")) if folder.is_dir() else []
    return found[0] if found else None


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
        Knowledge used by ``fit`` (for ablations): any of medquad, pubmedqa, notes, prior,
        support.
    support_model
        Folder of the tier-1 support model (verifier-v3) whose P(supported) of each sentence
        against the rest of the note feeds the flag model (not the locator); default
        ``$MEDFACT_SUPPORT_MODEL``, else ``medfact/models/verifier-v3`` when shipped. ``False``
        turns it off (the plain model, no torch needed). A fitted corrector holds a plain model
        and, when the support model was there at fit time, a support variant; the variant is
        used only when the same model (same weights' sha256) loads, else the plain one.
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
        support_model: str | os.PathLike[str] | bool | None = None,
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
        self.support_model = support_model
        self._scorer: SupportScorer | None | bool = None
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
            log.warning(
                "MedQuAD not found (looked in %s); its features and evidence are off. Point at "
                "it with --data-dir DIR (a folder holding medquad/), $MEDFACT_DATA, or the "
                "corrector's medquad= parameter",
                medquad if medquad is not None else _searched_data_dirs(),
            )
        pubmed = (
            Path(self.pubmedqa)
            if self.pubmedqa
            else (data / "pubmedqa" / "ori_pqal.json" if data else None)
        )
        if pubmed is not None and pubmed.is_file():
            knowledge.pubmed = open_pubmedqa(pubmed, self.home)
        else:
            log.warning(
                "PubMedQA not found (looked in %s); its features are off. Point at it with "
                "--data-dir DIR (holding pubmedqa/ori_pqal.json), $MEDFACT_DATA, or the "
                "corrector's pubmedqa= parameter",
                pubmed if pubmed is not None else _searched_data_dirs(),
            )
        if load_notes and self.notes is not False:
            path = Path(self.notes) if isinstance(self.notes, str | os.PathLike) else None
            path = path or default_notes_file(data)
            if path is not None and path.is_file():
                from medfact.medec.data import load_notes

                labelled, _ = load_notes(path)
                knowledge.memory = memory_from_notes(labelled)
        self._knowledge = knowledge
        return knowledge

    def scorer(self) -> SupportScorer | None:
        """The support scorer when its model and torch are there, else None (logged once)."""
        if self._scorer is None:
            self._scorer = False
            if self.support_model is not False and "support" in self.sources:
                folder = _support_model_dir(self.support_model)
                if folder is not None:
                    scorer = SupportScorer(folder, home=self.home)
                    if scorer.available():
                        self._scorer = scorer
                    else:
                        log.warning(
                            "support model off (%s); the plain flag model is used",
                            scorer.why_unavailable(),
                        )
        return self._scorer or None

    def use_scorer(self, scorer: SupportScorer | None) -> KnowledgeCorrector:
        """Use this support scorer (shared between correctors); None turns support off."""
        self._scorer = scorer if scorer is not None else False
        return self

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
        if fitted.get("support"):
            v = fitted["support"]
            data["support"] = {
                "model_sha256": v["model_sha256"],
                "threshold": round(v["threshold"], 4),
                "rules": v["rules"],
                "flag": v["flag"].to_dict(),
                "inner": v.get("inner", {}),
            }
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    # -- fitting ----------------------------------------------------------------------------

    def fit(self, notes: Sequence[MedecNote], folds: int = 4, seed: int = 0) -> KnowledgeCorrector:
        """Fit the locator, the flag model and its threshold on labelled notes.

        Features of the training notes come from an inner ``folds``-fold cross-validation
        (twins in one fold), so the flag model learns from sentences located the way a new note's
        would be; the threshold maximises flag accuracy (then sentence accuracy) over the inner
        out-of-fold predictions. Similar-note features of a training note never use its own
        group (itself and its twin). With a support model (:meth:`scorer`), a second variant is
        fitted the same way with the support features added (same located sentences).
        """
        notes = [n for n in notes if n.labelled]
        if len(notes) < 2 * folds:
            raise InputError(f"fit needs at least {2 * folds} labelled notes, got {len(notes)}")
        knowledge = self.knowledge(load_notes=False)
        # similar notes come from the training notes only
        knowledge.memory = memory_from_notes(notes) if self.notes is not False else None
        prepared = [prepare_cached(knowledge, n) for n in notes]
        groups = twin_groups(notes)
        inner = assign_folds(groups, folds, seed)
        boilerplate = boilerplate_stems(prepared)
        y = [int(bool(n.error_flag)) for n in notes]
        # inner out-of-fold located sentences
        located: list[tuple[int, float, float]] = [(0, 0.0, 0.0)] * len(notes)
        for j in range(folds):
            train = [i for i in range(len(notes)) if inner[i] != j]
            locator = fit_locator([prepared[i] for i in train])
            for i in range(len(notes)):
                if inner[i] == j:
                    located[i] = locate(locator, prepared[i])
        locator = fit_locator(prepared)
        job = _FitJob(notes, prepared, groups, inner, boilerplate, y, folds, located, locator)
        fitted: dict[str, Any] = {
            "sources": self.sources,
            "boilerplate": boilerplate,
            "prevalence": sum(y) / len(y),
            **self._fit_variant(job, knowledge, None),
        }
        fitted["meta"] = {
            "notes": len(notes),
            "inner_folds": folds,
            "seed": seed,
            **fitted.pop("inner"),
        }
        scorer = self.scorer()
        if scorer is not None:
            probs = scorer.score_notes(
                [[s.text for s in p.sentences] for p in prepared],
                [typed_sentences(p) for p in prepared],
            )
            variant = self._fit_variant(job, knowledge, probs)
            fitted["support"] = {"model_sha256": scorer.digest(), **variant}
        self._fitted = fitted
        return self

    def _fit_variant(
        self, job: _FitJob, knowledge: Knowledge, support: list[list[float | None]] | None
    ) -> dict[str, Any]:
        """Flag model, threshold and rules, with the support features or without; the locator
        is the plain one in both (it is not refitted: support changes the decision only)."""
        notes, prepared, groups, inner, y, folds = (
            job.notes,
            job.prepared,
            job.groups,
            job.inner,
            job.y,
            job.folds,
        )
        located, locator = job.located, job.locator
        ctx = FeatureContext(knowledge, job.boilerplate, self.sources)
        names = FLAG_DENSE + (SUPPORT_FLAG if support else [])
        group_of = {notes[i].id: g for g, members in enumerate(groups) for i in members}
        dense, texts, ranks = [], [], []
        for i, p in enumerate(prepared):
            k, score, margin = located[i]
            exclude = {notes[m].id for m in groups[group_of[notes[i].id]]}
            values, _ = ctx.features(p, k, score, margin, exclude_ids=exclude)
            if support:
                values.update(flag_values(support[i], k))
            dense.append([float(values[name]) for name in names])
            texts.append(p.sentences[k].text)
            ranks.append(values["medquad_link_rank"] if values["medquad_linked"] else None)
        use_prior = "prior" in self.sources
        oof = [0.0] * len(notes)
        for j in range(folds):
            train = [i for i in range(len(notes)) if inner[i] != j]
            model = new_flag_model(use_prior, names).fit(
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
        threshold, inner_scores = choose_threshold(oof, y, sentence_ok)
        rules = fit_rules(ranks, y) if "medquad" in self.sources else {}
        flag = new_flag_model(use_prior, names).fit(dense, texts if use_prior else None, y)
        out = {"threshold": threshold, "rules": rules, "flag": flag, "inner": inner_scores}
        if support is None:
            out["locator"] = locator
        return out

    # -- prediction -------------------------------------------------------------------------

    def variant(self) -> dict[str, Any]:
        """The fitted variant in use: the support one when its model loads with the same
        weights it was fitted with, else the plain one (the fitted model itself)."""
        fitted = self._model()
        support = fitted.get("support")
        if not support:
            return fitted
        scorer = self.scorer()
        if scorer is None:
            return fitted
        if scorer.digest() != support["model_sha256"]:
            if not fitted.get("_warned"):
                log.warning(
                    "support model %s is not the one the corrector was fitted with; the plain "
                    "flag model is used",
                    scorer.model_dir,
                )
                fitted["_warned"] = True
            return fitted
        return support

    def probability(self, note: MedecNote) -> tuple[float, int, dict[str, Any]]:
        """P(error), the located sentence index, and the details behind them."""
        fitted = self._model()
        variant = self.variant()
        knowledge = self.knowledge()
        p = prepare_cached(knowledge, note)
        probs = None
        if variant is not fitted:
            scorer = self.scorer()
            assert scorer is not None  # a support variant is only chosen with a scorer
            probs = scorer.score_notes([[s.text for s in p.sentences]], [typed_sentences(p)])[0]
        k, score, margin = locate(fitted["locator"], p)
        ctx = FeatureContext(knowledge, fitted["boilerplate"], fitted["sources"])
        values, details = ctx.features(p, k, score, margin, exclude_ids={note.id})
        if probs is not None:
            values.update(flag_values(probs, k))
            details["support"] = values["support_p"]
        flag: LinearModel = variant["flag"]
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
        details["threshold"] = variant["threshold"]
        rules = variant.get("rules") or {}
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

    def score(self, note: MedecNote) -> tuple[float, int, bool | None]:
        """``(P(error), id of the located sentence, forced)``: ``forced`` is a knowledge
        rule's decision (True flag, False clear) that no threshold overrides, else None."""
        prob, k, details = self.probability(note)
        p: Prepared = details["prepared"]
        return prob, p.sentences[k].index, details.get("force")

    def correct(self, note: MedecNote) -> Correction:
        prob, k, details = self.probability(note)
        fitted = self._model()
        threshold = self.threshold if self.threshold is not None else details["threshold"]
        p: Prepared = details.pop("prepared")
        sentence = p.sentences[k]
        texts = [s.text for s in p.sentences]
        key = key_findings(texts, k, fitted["boilerplate"])
        evidence = filter_evidence(details.get("evidence", []), key)
        forced = details.get("force")
        if forced is False or (forced is None and prob < threshold):
            return Correction(
                id=note.id, error_flag=False, confidence=round(1 - prob, 4), evidence=evidence
            )
        error_type = guess_type(sentence.text, details, bool(p.drugs[k]))
        proposal = propose(sentence.text, p.findings(k), error_type, details.get("answer", []))
        if proposal.sentence is None:
            log.debug("note %s: no correction proposed: %s", note.id, proposal.reason)
        shown = vocabulary_evidence(proposal)
        span = sentence.span if sentence.span[0] >= 0 else None
        return Correction(
            id=note.id,
            error_flag=True,
            sentence_index=sentence.index,
            sentence_span=span,
            sentence=sentence.text,
            corrected_sentence=proposal.sentence,
            error_type=proposal.error_type,
            category=proposal.error_type.category,
            confidence=round(prob, 4),
            evidence=([shown] if shown else []) + evidence,
        )


@dataclass
class _FitJob:
    """What the variants of one fit share: the notes, their preparation, folds and labels."""

    notes: list[MedecNote]
    prepared: list[Prepared]
    groups: list[list[int]]
    inner: list[int]
    boilerplate: set[str]
    y: list[int]
    folds: int
    located: list[tuple[int, float, float]]
    locator: LinearModel


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
        "support": _variant_from_dict(data["support"]) if data.get("support") else None,
    }


def _variant_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_sha256": str(data["model_sha256"]),
        "threshold": float(data["threshold"]),
        "rules": dict(data.get("rules") or {}),
        "flag": LinearModel.from_dict(data["flag"]),
        "inner": dict(data.get("inner") or {}),
    }


def _support_model_dir(value: str | os.PathLike[str] | bool | None) -> Path | None:
    """The support model's folder: the given one, ``$MEDFACT_SUPPORT_MODEL``, or the shipped
    ``medfact/models/verifier-v3``; None when there is none."""
    if value is False:
        return None
    if value is not None and value is not True:
        return Path(value).expanduser()
    env = os.environ.get(SUPPORT_MODEL_ENV)
    if env:
        return Path(env).expanduser()
    shipped = Path(str(resources.files("medfact").joinpath("models/verifier-v3")))
    return shipped if (shipped / "model.safetensors").is_file() else None


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
    support_model: str | bool | None = None,
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
        support_model=_flag_or_path(support_model),
    )


def _flag_or_path(value: str | bool | None) -> str | bool | None:
    """``support_model`` from a command line: "false"/"off"/"none" turns it off."""
    if isinstance(value, str) and value.strip().lower() in ("false", "off", "none", "0", ""):
        return False
    return value


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
    scores: dict[str, tuple[float, int, bool | None]] | None = None,
    **params: Any,
) -> dict[str, Correction]:
    """Out-of-fold corrections for labelled ``notes``: twins stay in one fold; each fold is
    answered by a :class:`KnowledgeCorrector` fitted on the other folds only (its similar-note
    memory and calibration included). ``knowledge`` sources are shared across folds; ``scores``,
    when given, receives each note's :meth:`KnowledgeCorrector.score` (for threshold curves)."""
    notes = [n for n in notes if n.labelled]
    assignment = assign_folds(twin_groups(notes), folds, seed)
    shared = knowledge
    shared_scorer: SupportScorer | None = None
    out: dict[str, Correction] = {}
    for fold in range(folds):
        train = [n for n, f in zip(notes, assignment, strict=True) if f != fold]
        test = [n for n, f in zip(notes, assignment, strict=True) if f == fold]
        corrector = KnowledgeCorrector(sources=sources, **params)
        if shared is not None:
            corrector.use_knowledge(shared)
        if shared_scorer is not None:
            corrector.use_scorer(shared_scorer)
        corrector.fit(train, seed=seed)
        shared = corrector.knowledge(load_notes=False)
        shared_scorer = corrector.scorer()
        for note in test:
            out[note.id] = corrector.correct(note)
            if scores is not None:
                scores[note.id] = corrector.score(note)
        if progress is not None:
            progress(fold, corrector)
    return out


# Registered last: the LM corrector builds on this module's base class.
from medfact.medec import lm_corrector  # noqa: E402, F401
