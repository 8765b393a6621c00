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
from medfact.scoring import factuality
from medfact.taxonomy import VerdictLabel
from medfact.types import Assessment, Case, Claim, Finding, RecordError, Verdict

log = logging.getLogger("medfact")
STAGES = ("segment", "decompose", "analyze", "retrieve", "verify", "score")


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
    def from_config(cls, source: Any = None) -> Engine:
        """From None (built-in default), a TOML path, or a dict of overrides."""
        return cls(load_config(source))

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
            "scorer": registry.scorers.create(pipe["scorer"], self._params(pipe["scorer"])),
            "analyzer": Analyzer(),
        }
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
        """Score one case; raises InputError for an unusable record."""
        case = to_case(case)
        self._check_limits(case)
        p = self.parts
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = timings.get(stage, 0.0) + now - clock
            clock = now

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
        lap("retrieve")
        from medfact.verifiers.base import CaseView

        view = CaseView(case, out_doc, ctx_doc, claims, evidence, search)
        findings: list[Finding] = []
        for rule in p["verifiers"]:
            findings.extend(rule(view))
        findings.sort(key=lambda f: (f.span or (10**12, 0), f.rule))
        verdicts = self._verdicts(view, findings) if ctx_doc is not None else []
        lap("verify")
        risk = p["scorer"](findings, verdicts)
        lap("score")
        return Assessment(
            id=case.id,
            risk_level=risk,
            factuality=factuality(verdicts),
            claims=claims,
            verdicts=verdicts,
            findings=findings,
            timings=timings,
            engine_version=_version(),
            config_hash=self.config_hash,
        )

    @staticmethod
    def _verdicts(view: Any, findings: list[Finding]) -> list[Verdict]:
        from medfact.verifiers.support import SupportIndex, claim_tokens, unsupported_tokens

        index = SupportIndex(view.context)
        by_claim: dict[str, list[Finding]] = {}
        for f in findings:
            if f.claim_id is not None:
                by_claim.setdefault(f.claim_id, []).append(f)
        verdicts = []
        for claim in view.claims:
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
            missing, n = unsupported_tokens(claim_tokens(view.output, claim), index)
            share = 1.0 - len(missing) / n if n else 1.0
            label = VerdictLabel.SUPPORTED if share >= 0.5 else VerdictLabel.NOT_ENOUGH_INFO
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    label=label,
                    probability=round(0.5 + 0.5 * abs(share - 0.5) * 2, 4) if n else 0.5,
                    evidence=evidence[:1],
                    verifier="support.v1",
                    rationale=f"{n - len(missing)} of {n} content words found in the input",
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
        for position, record in enumerate(records):
            if isinstance(record, RecordError):
                yield record
                continue
            rid = getattr(record, "id", None) or (
                record.get("id") if isinstance(record, dict) else None
            )
            try:
                yield self.score(to_case(record, position))
            except MedfactError as exc:
                yield RecordError.from_exception(exc, None if rid is None else str(rid))
            except Exception as exc:  # a bug must not lose the other records
                log.exception("record %s failed inside the engine", rid)
                yield RecordError.from_exception(exc, None if rid is None else str(rid))


def _version() -> str:
    from medfact import __version__

    return __version__


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine.from_config(None)


def engine_for(config: Any) -> Engine:
    return Engine.from_config(config)
