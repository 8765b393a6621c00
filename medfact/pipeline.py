"""The engine: an ordered list of stages run over one :class:`CaseDoc` per case.

``Engine.from_config(...)`` resolves the config (typed: a wrong key, type or value stops here),
``load()`` builds the plug-ins and the stages, and ``pipe``/``score_many`` run them over batches
of cases. Every input record yields exactly one result: an :class:`Assessment`, or a
:class:`RecordError` naming what went wrong with that record (a failure inside one stage for one
case never loses the other cases of its batch).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from medfact import registry
from medfact.config import Settings, config_hash, load_config
from medfact.document import CaseDoc
from medfact.errors import InputError, InputTooLargeError, MedfactError
from medfact.io import to_case
from medfact.scoring import case_features, factuality
from medfact.stages import ModelStage, Parts, Stage, build_stage
from medfact.types import Assessment, Case, RecordError

log = logging.getLogger("medfact")

__all__ = ["Engine", "cached_engine", "default_engine", "engine_for", "to_case"]

Record = Case | dict[str, Any] | RecordError


def _loaded(plugin: Any) -> Any:
    """A plug-in with its fitted model read now (a missing one fails at load, not mid-batch)."""
    load = getattr(plugin, "load", None)
    return load() if callable(load) else plugin


class Engine:
    """A configured pipeline. Cheap to construct; plug-ins load on first use (or ``load()``)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.settings = Settings.from_dict(config)
        self.config = config
        self.config_hash = config_hash(config)
        self._parts: Parts | None = None
        self._stages: list[Stage] = []
        self.load_seconds: float | None = None

    @classmethod
    def from_config(cls, source: Any = None, overrides: dict[str, Any] | None = None) -> Engine:
        """From None (built-in default), a TOML path, or a dict; ``overrides`` apply on top."""
        return cls(load_config(source, overrides))

    # -- building ----------------------------------------------------------------------------------

    def _create(self, family: registry.Registry, name: str, **fixed: Any) -> Any:
        return family.create(name, {**self.settings.components.get(name, {}), **fixed})

    def load(self) -> Engine:
        """Build every plug-in and stage, and load lexicons and models now; returns self."""
        if self._parts is not None:
            return self
        start = time.perf_counter()
        pipe = self.settings.pipeline
        parts = Parts(
            segmenter=self._create(registry.segmenters, pipe.segmenter),
            decomposer=self._create(registry.decomposers, pipe.decomposer),
            analyzer=self._create(registry.analyzers, pipe.analyzer),
            evidence=self._create(registry.corpora, pipe.evidence),
            corpora=[
                registry.corpora.create("bm25.v1", {"path": name})
                for name in self.settings.evidence.corpora
            ],
            verifiers=[self._create(registry.verifiers, n) for n in pipe.verifiers],
            learned=[_loaded(self._create(registry.verifiers, n)) for n in pipe.learned_verifiers],
            model=_loaded(self._create(registry.verifiers, pipe.model)) if pipe.model else None,
            # tier 2: the LM itself loads only when a case is first escalated to it
            evaluator=self._create(registry.verifiers, pipe.evaluator) if pipe.evaluator else None,
            scorer=self._create(registry.scorers, pipe.scorer),
        )
        parts.analyzer("warm up aspirin", parts.segmenter("warm up aspirin"))
        stages = [build_stage(name, self.settings, parts) for name in pipe.stages]
        # a model stage with no model configured has nothing to do
        self._stages = [
            s
            for s in stages
            if not (s.name == "tier1" and parts.model is None)
            and not (s.name == "tier2" and parts.evaluator is None)
        ]
        self._parts = parts
        self.load_seconds = time.perf_counter() - start
        _settle_loaded()
        return self

    @property
    def parts(self) -> Parts:
        """The plug-ins the stages share (segmenter, rules, tier-1 model, scorer, ...)."""
        self.load()
        assert self._parts is not None
        return self._parts

    @property
    def stages(self) -> list[Stage]:
        """The stages this engine runs, in order."""
        self.load()
        return list(self._stages)

    def stage(self, name: str) -> Stage | None:
        """The stage called ``name``, or None when this engine does not run it."""
        return next((s for s in self.stages if s.name == name), None)

    # -- running -----------------------------------------------------------------------------------

    def pipe(
        self, records: Iterable[Record], batch_size: int = 64, until: str | None = None
    ) -> Iterator[CaseDoc | RecordError]:
        """Each record through the stages (up to and including ``until``), in order: its
        :class:`CaseDoc`, or a :class:`RecordError`. Training code reads the documents, e.g.
        ``engine.pipe(cases, until="verdicts")``."""
        stages = self._stages_until(until)
        batch: list[CaseDoc | RecordError] = []
        for position, record in enumerate(records):
            batch.append(self._start(record, position))
            if len(batch) >= batch_size:
                yield from self._finish_batch(batch, stages)
                batch = []
        yield from self._finish_batch(batch, stages)

    def score_many(
        self, records: Iterable[Record], batch_size: int = 64
    ) -> Iterator[Assessment | RecordError]:
        """One result per record, in order: an Assessment, or a RecordError naming the problem.

        Records may already be RecordErrors (from a reader that failed to parse a line); they
        pass through, so nothing is lost.
        """
        for item in self.pipe(records, batch_size):
            yield item if isinstance(item, RecordError) else self.assessment(item)

    def score(self, case: Case | dict[str, Any]) -> Assessment:
        """Score one case; raises InputError for an unusable record (MedfactError for an LM
        failure when tier 2 is configured)."""
        doc = self.document(case)
        self.run_stages([doc], self.stages)
        if doc.error is not None:
            raise doc.error
        return self.assessment(doc)

    def score_one(
        self,
        output: str,
        context: str | None = None,
        *,
        id: str = "0",
        question: str | None = None,
        task: str | None = None,
    ) -> Assessment:
        return self.score(Case(id=id, output=output, context=context, question=question, task=task))

    def view(self, record: Case | dict[str, Any]) -> CaseDoc:
        """The analysed case after the rules and learned checks (raises for a bad record)."""
        doc = self.document(record)
        self.run_stages([doc], self._stages_until("learned"))
        if doc.error is not None:
            raise doc.error
        return doc

    def feature_rows(
        self, records: Iterable[Case | dict[str, Any]], batch_size: int = 64
    ) -> Iterator[list[float]]:
        """The calibrated scorer's input for each record (used to train it); raises for a bad
        record."""
        for item in self.pipe(records, batch_size, until="verdicts"):
            if isinstance(item, RecordError):
                raise InputError(item.message, record=item.id)
            yield case_features(item.findings, item.verdicts, item.probabilities)

    def document(self, record: Case | dict[str, Any]) -> CaseDoc:
        """A new document for ``record``, validated and within the limits (raises otherwise)."""
        case = to_case(record)
        self._check_limits(case)
        return CaseDoc(case)

    def assessment(self, doc: CaseDoc) -> Assessment:
        """The result of a document that went through every stage."""
        assert doc.risk is not None, "the score stage has not run on this document"
        reason = _unchecked_reason(doc)
        return Assessment(
            id=doc.case.id,
            risk_level=doc.risk,
            factuality=factuality(doc.verdicts),
            claims=doc.claims,
            verdicts=doc.verdicts,
            findings=doc.findings,
            timings=doc.timings,
            lm=doc.lm,
            engine_version=_version(),
            config_hash=self.config_hash,
            status="unchecked" if reason else "checked",
            status_reason=reason,
        )

    # -- internals ---------------------------------------------------------------------------------

    def _stages_until(self, until: str | None) -> list[Stage]:
        stages = self.stages
        if until is None:
            return stages
        names = [s.name for s in stages]
        if until not in names:
            from medfact.errors import ConfigError

            raise ConfigError(f"until={until!r} is not a stage of this engine: {', '.join(names)}")
        return stages[: names.index(until) + 1]

    def _check_limits(self, case: Case) -> None:
        limits = self.settings.limits
        if not _visible(case.output):
            what = "is empty" if not case.output.strip() else "has no visible characters"
            raise InputError(what, record=case.id, field="output")
        for field, limit in (
            ("output", limits.max_output_chars),
            ("context", limits.max_context_chars),
        ):
            text = getattr(case, field)
            if text is not None and len(text) > limit:
                raise InputTooLargeError(
                    f"has {len(text):,} characters, over the limit of {limit:,} "
                    f"(raise [limits] max_{field}_chars to allow it)",
                    record=case.id,
                    field=field,
                )

    def _start(self, record: Record, position: int) -> CaseDoc | RecordError:
        if isinstance(record, RecordError):
            return record
        rid = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
        rid = None if rid is None else str(rid)
        try:
            case = to_case(record, position)
            self._check_limits(case)
            return CaseDoc(case)
        except Exception as exc:
            return _error(exc, rid)

    def _finish_batch(
        self, batch: list[CaseDoc | RecordError], stages: list[Stage]
    ) -> Iterator[CaseDoc | RecordError]:
        self.run_stages([d for d in batch if isinstance(d, CaseDoc)], stages)
        for item in batch:
            if isinstance(item, CaseDoc) and item.error is not None:
                yield RecordError.from_exception(item.error, item.case.id)
            else:
                yield item

    def run_stages(self, docs: list[CaseDoc], stages: list[Stage] | None = None) -> None:
        """Run ``stages`` (default: all of this engine's) over documents made by
        :meth:`document`, in place: model-backed stages see the documents still without an
        error as one batch; a failure is recorded on the document it belongs to (``error``)."""
        stages = self.stages if stages is None else stages
        for stage in stages:
            live = [d for d in docs if d.error is None]
            if not live:
                return
            if isinstance(stage, ModelStage):
                self._run_model(stage, live)
            else:
                step = _one_by_one(stage)
                for doc in live:
                    _guard(doc, step, doc)

    @staticmethod
    def _run_model(stage: ModelStage, docs: list[CaseDoc]) -> None:
        key = stage.timing_key
        start = time.perf_counter()
        try:
            predictions = stage.predict(docs)
        except Exception:
            if len(docs) == 1:
                _guard(docs[0], lambda: stage.predict(docs))
                return
            log.exception("stage %s failed on a batch; running its cases one by one", stage.name)
            predictions = []
            for doc in docs:
                found: list[Any] = [None]
                _guard(doc, lambda d=doc, f=found: f.__setitem__(0, stage.predict([d])[0]))
                predictions.append(found[0])
        share = (time.perf_counter() - start) / len(docs)
        for doc, prediction in zip(docs, predictions, strict=True):
            if doc.error is not None:
                continue
            _guard(doc, lambda d=doc, p=prediction: stage.set_annotations([d], [p]))
            if prediction is not None:
                doc.timings[key] = doc.timings.get(key, 0.0) + share


def _settle_loaded() -> None:
    """Keep what is alive once an engine is loaded (modules, pydantic's validators, lexicons,
    compiled tables, all held for the process) out of the cyclic garbage collector's later
    collections: one full collection walks them in 40-150 ms, about 5% of the rule tier's time.
    Objects made afterwards are collected as before; only a reference cycle among objects alive
    now, dropped later, is left to the end of the process (``gc.freeze``; ``gc.unfreeze()``
    undoes it)."""
    gc.freeze()


def _visible(text: str) -> bool:
    """Whether ``text`` has a character a reader would see (not only spaces, zero-width or
    control characters)."""
    import unicodedata

    return any(not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" for ch in text)


def _unchecked_reason(doc: CaseDoc) -> str | None:
    """Why a scored document was not checked against anything, or None when it was."""
    from medfact.scoring import UNCHECKED

    if not doc.checkable:
        return "no context and no corpus: there was nothing to check the output against"
    if doc.verdicts and all(v.verifier == UNCHECKED for v in doc.verdicts):
        return "no corpus passage was found for any claim"
    return None


def _one_by_one(stage: Stage) -> Callable[[CaseDoc], Any]:
    """How to run ``stage`` on one document: its ``run``, or through its own ``pipe`` where a
    stage class replaces ``pipe``."""
    if type(stage).pipe is Stage.pipe:
        return stage.run
    return lambda doc: next(stage.pipe([doc]))


def _guard(doc: CaseDoc, step: Callable[..., Any], *args: Any) -> None:
    """Run one document's step (``step(*args)``); a failure becomes the document's error
    (nothing is lost)."""
    try:
        step(*args)
    except MedfactError as exc:
        doc.error = exc
    except Exception as exc:  # a bug must not lose the other records
        log.exception("record %s failed inside the engine", doc.case.id)
        doc.error = exc


def _error(exc: Exception, rid: str | None) -> RecordError:
    if not isinstance(exc, MedfactError):
        log.exception("record %s failed inside the engine", rid)
    return RecordError.from_exception(exc, rid)


def _version() -> str:
    from medfact import __version__

    return __version__


_ENGINES: dict[str, Engine] = {}


def cached_engine(source: Any = None, overrides: dict[str, Any] | None = None) -> Engine:
    """The loaded engine for a config (as ``Engine.from_config``), built once per distinct
    resolved config and process: the library, ``guard``, the CLI and ``gate`` share it."""
    engine = Engine.from_config(source, overrides)
    return _ENGINES.setdefault(engine.config_hash, engine).load()


def default_engine() -> Engine:
    return cached_engine(None)


def engine_for(config: Any) -> Engine:
    return Engine.from_config(config)
