"""The engine: segment -> decompose -> analyse -> retrieve -> verify -> score, timed per stage."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from medfact import registry
from medfact.analysis import Analyzer
from medfact.config import config_hash, load_config
from medfact.errors import InputError, InputTooLargeError, MedfactError
from medfact.scoring import UNCHECKED, factuality
from medfact.taxonomy import VerdictLabel
from medfact.types import Assessment, Case, Claim, Finding, RecordError, Verdict
from medfact.verifiers.model_findings import (
    DEFAULT_THRESHOLDS,
    LABELS,
    model_findings,
    review_findings,
)

log = logging.getLogger("medfact")
STAGES = ("segment", "decompose", "analyze", "retrieve", "verify", "model", "score")


def _loaded(plugin: Any) -> Any:
    """A plug-in with its fitted model read now (a missing one fails at load, not mid-batch)."""
    load = getattr(plugin, "load", None)
    return load() if callable(load) else plugin


def to_case(record: Case | dict[str, Any], position: int | None = None) -> Case:
    """Validate one input record, naming the record and field on failure."""
    if isinstance(record, Case):
        return record
    rid = record.get("id", position) if isinstance(record, dict) else position
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}", record=rid)
    try:
        return Case.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        kind = err["type"]
        message = {
            "missing": "is required",
            "extra_forbidden": "is not a known field (known: " + ", ".join(Case.model_fields) + ")",
            "string_type": "must be a string",
        }.get(kind, err["msg"])
        raise InputError(message, record=rid, field=field) from None


class Engine:
    """A configured pipeline. Cheap to construct; plug-ins load on first use (or ``load()``)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.config_hash = config_hash(config)
        self._parts: dict[str, Any] | None = None
        self.load_seconds: float | None = None

    @classmethod
    def from_config(cls, source: Any = None, overrides: dict[str, Any] | None = None) -> Engine:
        """From None (built-in default), a TOML path, or a dict; ``overrides`` apply on top."""
        return cls(load_config(source, overrides))

    def _params(self, name: str) -> dict[str, Any]:
        return dict(self.config.get("components", {}).get(name, {}))

    def load(self) -> Engine:
        """Build every plug-in and load lexicons now; returns self."""
        if self._parts is not None:
            return self
        start = time.perf_counter()
        pipe = self.config["pipeline"]
        parts: dict[str, Any] = {
            "segmenter": registry.segmenters.create(
                pipe["segmenter"], self._params(pipe["segmenter"])
            ),
            "decomposer": registry.decomposers.create(
                pipe["decomposer"], self._params(pipe["decomposer"])
            ),
            "evidence": registry.corpora.create(pipe["evidence"], self._params(pipe["evidence"])),
            "verifiers": [registry.verifiers.create(n, self._params(n)) for n in pipe["verifiers"]],
            "learned": [
                _loaded(registry.verifiers.create(n, self._params(n)))
                for n in pipe.get("learned_verifiers", [])
            ],
            "scorer": registry.scorers.create(pipe["scorer"], self._params(pipe["scorer"])),
            "model": (
                registry.verifiers.create(pipe["model"], self._params(pipe["model"])).load()
                if pipe.get("model")
                else None
            ),
            "analyzer": Analyzer(),
            # tier 2: the LM itself loads only when a case is first escalated to it
            "evaluator": (
                registry.verifiers.create(pipe["evaluator"], self._params(pipe["evaluator"]))
                if pipe.get("evaluator")
                else None
            ),
        }
        parts["corpora"] = [
            registry.corpora.create("bm25.v1", {"path": name})
            for name in self.config["evidence"].get("corpora", [])
        ]
        parts["analyzer"]("warm up aspirin", parts["segmenter"]("warm up aspirin"))
        self._parts = parts
        self.load_seconds = time.perf_counter() - start
        return self

    @property
    def parts(self) -> dict[str, Any]:
        return self.load()._parts  # type: ignore[return-value]

    def _check_limits(self, case: Case) -> None:
        limits = self.config["limits"]
        if not case.output.strip():
            raise InputError("is empty", record=case.id, field="output")
        for field, limit in (
            ("output", limits["max_output_chars"]),
            ("context", limits["max_context_chars"]),
        ):
            text = getattr(case, field)
            if text is not None and len(text) > limit:
                raise InputTooLargeError(
                    f"has {len(text):,} characters, over the limit of {limit:,} "
                    f"(raise [limits] max_{field}_chars to allow it)",
                    record=case.id,
                    field=field,
                )

    def score(self, case: Case | dict[str, Any]) -> Assessment:
        """Score one case; raises InputError for an unusable record (MedfactError for an LM
        failure when tier 2 is configured)."""
        return self._score_alone(self._prepare(to_case(case)))

    def _escalate(self, states: list[_State], predictions: dict[int, Any]) -> dict[int, Any]:
        """Tier 2 (the evaluator LM) for the uncertain ones of ``states``, when configured."""
        if self.parts.get("evaluator") is None or not states:
            return {}
        from medfact.lm.evaluator import apply_lm_tier

        return apply_lm_tier(self, states, predictions)

    def _prepare(self, case: Case) -> _State:
        """Every stage up to the rules (tier 0), timed."""
        self._check_limits(case)
        p = self.parts
        state = _State(case)
        lap = state.lap
        out_sents = p["segmenter"](case.output)
        context = case.context if case.context and case.context.strip() else None
        ctx_sents = p["segmenter"](context) if context else []
        lap("segment")
        claims: list[Claim] = p["decomposer"](case.output, out_sents)
        lap("decompose")
        out_doc = p["analyzer"](case.output, out_sents)
        ctx_doc = p["analyzer"](context, ctx_sents) if context else None
        lap("analyze")
        evidence = {}
        search = None
        if context:
            index = p["evidence"](context, ctx_sents)
            search = index.search
            k = self.config["evidence"]["top_k"]
            evidence = {c.id: index.search(c.text, k) for c in claims}
        elif p["corpora"]:
            evidence = self._corpus_evidence(claims)
        lap("retrieve")
        from medfact.verifiers.base import CaseView

        state.view = view = CaseView(case, out_doc, ctx_doc, claims, evidence, search)
        for rule in [*p["verifiers"], *p["learned"]]:
            state.findings.extend(rule(view))
        lap("verify")
        return state

    def view(self, record: Case | dict[str, Any]) -> Any:
        """The analysed case (a ``CaseView``) that the rules and learned checks read."""
        return self._prepare(to_case(record)).view

    def _corpus_evidence(self, claims: list[Claim]) -> dict[str, list[Any]]:
        """MedScore's mode: each claim's best passages from the configured corpora, each cut
        down to its sentence window closest to the claim (what tier 1 was trained to read)."""
        k = self.config["evidence"].get("corpus_top_k", 2)
        min_score = self.config["evidence"].get("min_score", 0.0)
        out = {}
        for claim in claims:
            hits = [e for corpus in self.parts["corpora"] for e in corpus.search(claim.text, k)]
            hits = sorted((e for e in hits if e.score > min_score), key=lambda e: -e.score)[:k]
            out[claim.id] = [self._best_window(claim.text, e) for e in hits]
        return out

    def _best_window(self, query: str, passage: Any) -> Any:
        """The passage's sentence window that best matches ``query`` (the passage if short)."""
        if len(passage.text) <= self.config["evidence"].get("window_chars", 400):
            return passage
        p = self.parts
        windows = p["evidence"](passage.text, p["segmenter"](passage.text)).search(query, 1)
        if not windows:
            return passage
        return passage.model_copy(update={"text": windows[0].text, "span": windows[0].span})

    def _checkable(self, view: Any) -> bool:
        """A case is checked against its context, or against corpora when it has none."""
        return view.context is not None or bool(self.parts["corpora"])

    def _predict(self, states: list[_State]) -> list[Any]:
        """Tier 1 over the claims of several cases at once; None per case without a model."""
        model = self.parts.get("model")
        todo = [s for s in states if model is not None and self._checkable(s.view)]
        if not todo:
            return [None] * len(states)
        start = time.perf_counter()
        pairs = [model.pairs(s.view.claims, s.view.evidence) for s in todo]
        flat = model.predict([pair for case_pairs in pairs for pair in case_pairs])
        share = (time.perf_counter() - start) / len(todo)
        out, at = {}, 0
        for s, case_pairs in zip(todo, pairs, strict=True):
            out[id(s)] = flat[at : at + len(case_pairs)]
            at += len(case_pairs)
            s.timings["model"] = share
        return [out.get(id(s)) for s in states]

    def _resolve(self, state: _State, probabilities: Any) -> tuple[list[Finding], list[Verdict]]:
        """Tier-1 findings added, findings ordered, one verdict per claim."""
        view, findings = state.view, state.findings
        if probabilities is not None:
            thresholds = getattr(self.parts["model"], "thresholds", None)
            findings = review_findings(view, findings, probabilities, thresholds)
            findings.extend(model_findings(view, findings, probabilities, thresholds))
        findings.sort(key=lambda f: (f.span or (10**12, 0), f.rule))
        if view.context is not None:
            verdicts = self._verdicts(view, findings, probabilities)
        elif self.parts["corpora"]:
            verdicts = corpus_verdicts(
                view, probabilities, getattr(self.parts["model"], "thresholds", None)
            )
        else:
            verdicts = []
        return findings, verdicts

    def feature_rows(
        self, records: Iterable[Case | dict[str, Any]], batch_size: int = 64
    ) -> Iterator[list[float]]:
        """The calibrated scorer's input for each record (used to train it)."""
        from medfact.scoring import case_features

        records = list(records)
        for lo in range(0, len(records), batch_size):
            states = [self._prepare(to_case(r)) for r in records[lo : lo + batch_size]]
            for state, probabilities in zip(states, self._predict(states), strict=True):
                findings, verdicts = self._resolve(state, probabilities)
                yield case_features(findings, verdicts, probabilities)

    def _finish(self, state: _State, probabilities: Any, tier2: Any = None) -> Assessment:
        """Grade a case; ``tier2`` (a ``TierResult``) replaces tier-0/1 findings and verdicts."""
        view = state.view
        state.clock = time.perf_counter()
        if tier2 is not None:
            if tier2.error is not None:
                raise tier2.error
            findings, verdicts = tier2.findings, tier2.verdicts
        else:
            findings, verdicts = self._resolve(state, probabilities)
        risk = self.parts["scorer"](findings, verdicts, probabilities)
        state.lap("score")
        return Assessment(
            id=view.case.id,
            risk_level=risk,
            factuality=factuality(verdicts),
            claims=view.claims,
            verdicts=verdicts,
            findings=findings,
            timings=state.timings,
            lm=tier2.record.to_dict() if tier2 is not None else None,
            engine_version=_version(),
            config_hash=self.config_hash,
        )

    @staticmethod
    def _verdicts(view: Any, findings: list[Finding], probabilities: Any = None) -> list[Verdict]:
        from medfact.verifiers.support import SupportIndex, claim_tokens, unsupported_tokens

        index = SupportIndex(view.context)
        by_claim: dict[str, list[Finding]] = {}
        dismissed: dict[str, Finding] = {}  # risk 1: a rule finding tier 1 read as supported
        for f in findings:
            if f.claim_id is not None:
                if int(f.risk) >= 2:
                    by_claim.setdefault(f.claim_id, []).append(f)
                else:
                    dismissed[f.claim_id] = f
        verdicts = []
        for position, claim in enumerate(view.claims):
            mine = by_claim.get(claim.id, [])
            against = [f for f in mine if f.relation == "contradicted"]
            evidence = view.evidence.get(claim.id, [])
            if against:
                worst = max(against, key=lambda f: (f.risk, f.confidence))
                verdicts.append(
                    Verdict(
                        claim_id=claim.id,
                        label=VerdictLabel.CONTRADICTED,
                        probability=worst.confidence,
                        evidence=worst.evidence or evidence[:1],
                        category=worst.category,
                        verifier=worst.rule,
                        rationale=worst.message,
                    )
                )
                continue
            if mine:
                worst = max(mine, key=lambda f: (f.risk, f.confidence))
                verdicts.append(
                    Verdict(
                        claim_id=claim.id,
                        label=VerdictLabel.NOT_ENOUGH_INFO,
                        probability=worst.confidence,
                        evidence=evidence[:1],
                        category=worst.category,
                        verifier=worst.rule,
                        rationale=worst.message,
                    )
                )
                continue
            if claim.id in dismissed and probabilities is not None:
                p_sup = float(probabilities[position][0])
                verdicts.append(
                    Verdict(
                        claim_id=claim.id,
                        label=VerdictLabel.SUPPORTED,
                        probability=round(p_sup, 4),
                        evidence=evidence[:2],
                        verifier="crossencoder.v1",
                        tier=1,
                        rationale=f"the trained verifier reads it as supported (p={p_sup:.2f}); "
                        f"{dismissed[claim.id].rule}'s finding was dismissed",
                    )
                )
                continue
            missing, n = unsupported_tokens(claim_tokens(view.output, claim), index)
            share = 1.0 - len(missing) / n if n else 1.0
            label = VerdictLabel.SUPPORTED if share >= 0.5 else VerdictLabel.NOT_ENOUGH_INFO
            rationale = f"{n - len(missing)} of {n} content words found in the input"
            if probabilities is not None:  # tier 1 ran but crossed none of its thresholds
                rationale += "; verifier P(supported, contradicted, not enough info) = " + (
                    ", ".join(f"{x:.2f}" for x in probabilities[position])
                )
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=label,
                    probability=round(0.5 + 0.5 * abs(share - 0.5) * 2, 4) if n else 0.5,
                    evidence=evidence[:1],
                    verifier="support.v1",
                    rationale=rationale,
                )
            )
        return verdicts

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

    def score_many(
        self, records: Iterable[Case | dict[str, Any] | RecordError], batch_size: int = 64
    ) -> Iterator[Assessment | RecordError]:
        """One result per record, in order: an Assessment, or a RecordError naming the problem.

        Records may already be RecordErrors (from a reader that failed to parse a line); they
        pass through, so nothing is lost.
        """
        batch: list[tuple[str | None, Any]] = []
        for position, record in enumerate(records):
            if isinstance(record, RecordError):
                batch.append((record.id, record))
            else:
                rid = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
                rid = None if rid is None else str(rid)
                batch.append(
                    (
                        rid,
                        self._guarded(
                            rid, lambda r=record, i=position: self._prepare(to_case(r, i))
                        ),
                    )
                )
            if len(batch) >= batch_size:
                yield from self._flush(batch)
                batch = []
        yield from self._flush(batch)

    def _guarded(self, rid: str | None, step: Any) -> Any:
        """Run one record's step; turn any failure into its RecordError (nothing is lost)."""
        try:
            return step()
        except MedfactError as exc:
            return RecordError.from_exception(exc, rid)
        except Exception as exc:  # a bug must not lose the other records
            log.exception("record %s failed inside the engine", rid)
            return RecordError.from_exception(exc, rid)

    def _flush(self, batch: list[tuple[str | None, Any]]) -> Iterator[Assessment | RecordError]:
        states = [item for _, item in batch if isinstance(item, _State)]
        try:
            predictions = dict(zip(map(id, states), self._predict(states), strict=True))
        except Exception:
            log.exception("tier-1 model failed on a batch; scoring its cases one by one")
            predictions = {}
        try:
            tier2 = self._escalate([s for s in states if id(s) in predictions], predictions)
        except Exception:
            log.exception("tier 2 failed on a batch; scoring its cases one by one")
            tier2, predictions = {}, {}
        for rid, item in batch:
            if isinstance(item, RecordError):
                yield item
            elif id(item) in tier2:
                yield self._guarded(
                    rid, lambda s=item: self._finish(s, predictions[id(s)], tier2[id(s)])
                )
            elif id(item) in predictions:
                yield self._guarded(rid, lambda s=item: self._finish(s, predictions[id(s)]))
            else:
                yield self._guarded(rid, lambda s=item: self._score_alone(s))

    def _score_alone(self, state: _State) -> Assessment:
        """Tiers 1 and 2 for one prepared case (``score``, or a case whose batch failed)."""
        probabilities = self._predict([state])[0]
        tier2 = self._escalate([state], {id(state): probabilities}).get(id(state))
        return self._finish(state, probabilities, tier2)


class _State:
    """A case between tier 0 and tier 1: its view, findings so far and stage timings."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.view: Any = None
        self.findings: list[Finding] = []
        self.timings: dict[str, float] = {}
        self.clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.clock
        self.clock = now


def corpus_verdicts(
    view: Any, probabilities: Any, thresholds: dict[str, float] | None = None
) -> list[Verdict]:
    """Verdicts against corpus passages. No passage (or no model) leaves a claim unchecked.

    The verifier's own thresholds (its model card) decide, as for findings in context mode:
    contradicted at P >= ``contradicted``, not_enough_info at P >= ``not_enough_info``, else
    supported. A corpus states general knowledge, so a claim is never "false" for silence.
    """
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    verdicts = []
    for i, claim in enumerate(view.claims):
        evidence = view.evidence.get(claim.id, [])
        if not evidence or probabilities is None:
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=VerdictLabel.NOT_ENOUGH_INFO,
                    probability=1.0,
                    evidence=evidence[:1],
                    verifier=UNCHECKED,
                    rationale="no relevant passage" if not evidence else "no verifier model loaded",
                )
            )
            continue
        p = probabilities[i]
        if p[1] >= t["contradicted"] and p[1] >= p[2]:
            best = 1
        elif p[2] >= t["not_enough_info"]:
            best = 2
        else:
            best = 0
        verdicts.append(
            Verdict(
                claim_id=claim.id,
                label=VerdictLabel(LABELS[best]),
                probability=round(float(p[best]), 4),
                evidence=evidence,
                verifier="crossencoder.v1",
                tier=1,
                rationale=f"against {evidence[0].source} passage {evidence[0].doc_id}; "
                "P(supported, contradicted, not enough info) = " + ", ".join(f"{x:.2f}" for x in p),
            )
        )
    return verdicts


def _version() -> str:
    from medfact import __version__

    return __version__


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine.from_config(None)


def engine_for(config: Any) -> Engine:
    return Engine.from_config(config)
