"""Running the gate: score each input (or take it from the cache), apply suppressions, pass or
fail it, and add up the run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from medfact.gate.inputs import Confinement, GateInput, iter_inputs
from medfact.gate.locate import Locator, Region
from medfact.gate.settings import GateSettings, check_thresholds
from medfact.gate.suppress import Baseline, Suppression, fingerprint
from medfact.types import Assessment, Case, RecordError

PASS, FAIL, ERROR = "pass", "fail", "error"
CHECKED, UNCHECKED = "checked", "unchecked"


class LazyEngine:
    """An engine that is built and loaded only when a text must really be scored.

    ``config`` is a config dict (overrides of the built-in default, or a config already
    resolved by :func:`medfact.config.load_config`); it is resolved and checked at once, so its
    hash, the cache key, is known without importing the pipeline: a run served wholly from the
    cache never loads a model or lexicon. The built-in config shares the process's default
    engine.
    """

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        from medfact.config import config_hash, load_config

        self.config = load_config(dict(config or {}))
        self.config.pop("gate", None)
        self.config_hash = config_hash(self.config)
        self._default = self.config_hash == config_hash(load_config(None))
        self._engine: Any = None

    def load(self) -> Any:
        if self._engine is None:
            from medfact.pipeline import cached_engine

            self._engine = cached_engine(None if self._default else self.config)
        return self._engine

    def score(self, case: Any) -> Assessment:
        return self.load().score(case)

    def score_many(self, records: Iterable[Any]) -> Iterator[Assessment | RecordError]:
        return self.load().score_many(records)


@dataclass
class GateResult:
    """The verdict on one input. ``suppressions`` runs along the assessment's findings (None for
    a finding that counts); ``risk`` is the risk the gate judged (the case risk, capped by the
    highest finding left when some are suppressed)."""

    input: GateInput
    status: str  # "pass", "fail" or "error"
    assessment: Assessment | None = None
    error: RecordError | None = None
    reasons: list[str] = field(default_factory=list)
    cached: bool = False
    suppressions: list[Suppression | None] = field(default_factory=list)
    risk: int | None = None
    checked: bool = True

    @property
    def name(self) -> str:
        return self.input.name

    def regions(self) -> list[Region]:
        """One region per finding of the assessment, in order."""
        if self.assessment is None:
            return []
        locator = self.input.locator or Locator("", first_line=self.input.region_line)
        return [locator.region(f.span) for f in self.assessment.findings]

    def suppression(self, index: int) -> Suppression | None:
        return self.suppressions[index] if index < len(self.suppressions) else None

    @property
    def suppressed(self) -> int:
        return sum(s is not None for s in self.suppressions)

    def to_dict(self, texts: bool = True) -> dict[str, Any]:
        """A JSON-ready record (``medfact gate --format json`` writes one per line)."""
        case = self.input.case
        out: dict[str, Any] = {
            "input": self.input.name,
            "path": self.input.uri,
            "line": self.input.line,
            "id": self.assessment.id
            if self.assessment
            else (self.error.id if self.error else None),
            "status": self.status,
            "reasons": self.reasons,
            "cached": self.cached,
            "context_source": self.input.context_source,
        }
        if self.assessment is not None:
            out["checked"] = CHECKED if self.checked else UNCHECKED
            out["risk"] = self.risk
            out["assessment"] = self.assessment.to_dict()
            out["locations"] = [r.to_dict() for r in self.regions()]
            out["suppressed"] = [None if s is None else s.to_dict() for s in self.suppressions]
        if self.error is not None:
            out["error"] = self.error.error
        if texts and case is not None:
            out["output"] = case.output
            out["context"] = case.context
            out["question"] = case.question
        return out


@dataclass
class GateRun:
    """All results of one gate run, and what they add up to."""

    settings: GateSettings
    results: list[GateResult] = field(default_factory=list)
    seconds: float = 0.0
    scored: int = 0  # assessments the engine computed
    cached: int = 0  # assessments read from the cache
    skipped: list[str] = field(default_factory=list)  # named paths passed over on purpose

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def unchecked(self) -> int:
        return sum(r.assessment is not None and not r.checked for r in self.results)

    @property
    def suppressed(self) -> int:
        return sum(r.suppressed for r in self.results)

    @property
    def nothing_found(self) -> bool:
        """No input at all, and none passed over on purpose (a path or pattern is wrong)."""
        return not self.results and not self.skipped

    @property
    def exit_code(self) -> int:
        """0 all passed; 1 some failed; 2 nothing to check was found; 3 some could not be read
        or scored (wins over 1)."""
        if self.nothing_found:
            return 2
        if self.count(ERROR):
            return 3
        return 1 if self.count(FAIL) else 0

    def summary(self) -> str:
        extra = ""
        if self.unchecked:
            extra += f", {self.unchecked} not checked (nothing checkable)"
        if self.suppressed:
            extra += f", {self.suppressed} finding(s) suppressed"
        if self.skipped:
            extra += f", {len(self.skipped)} path(s) skipped"
        return (
            f"{len(self.results)} checked: {self.count(PASS)} passed, {self.count(FAIL)} failed, "
            f"{self.count(ERROR)} could not be checked{extra} ({self.scored} scored, "
            f"{self.cached} from cache) in {self.seconds:.2f} s"
        )


def mark_findings(
    inp: GateInput,
    assessment: Assessment,
    settings: GateSettings,
    baseline: Baseline | None = None,
) -> list[Suppression | None]:
    """Which findings are suppressed, and how: inline first, then ignored categories, then the
    baseline (so a baseline records only what nothing else accepts)."""
    locator = inp.locator or Locator("", first_line=inp.region_line)
    output = inp.case.output if inp.case is not None else ""
    marks: list[Suppression | None] = []
    for f in assessment.findings:
        category = f.category.value
        line = locator.region(f.span).start_line if f.span is not None else None
        if inp.suppress.covers(category, line):
            marks.append(Suppression("inSource", "medfact: ignore in the text"))
        elif category in settings.ignore:
            marks.append(Suppression("external", "ignored category (--ignore or [gate] ignore)"))
        elif baseline is not None and baseline.accept(inp.uri, fingerprint(output, f), category):
            marks.append(Suppression("external", f"in the baseline {baseline.path}"))
        else:
            marks.append(None)
    return marks


def gate_risk(assessment: Assessment, marks: list[Suppression | None]) -> int:
    """The case risk; with suppressed findings, capped by the highest finding left (1 if none)."""
    level = int(assessment.risk_level)
    if not any(m is not None for m in marks):
        return level
    left = [int(f.risk) for f, m in zip(assessment.findings, marks, strict=True) if m is None]
    return min(level, max(left, default=1))


def evaluate(
    inp: GateInput,
    assessment: Assessment,
    settings: GateSettings,
    baseline: Baseline | None = None,
) -> GateResult:
    """Pass or fail one scored input."""
    marks = mark_findings(inp, assessment, settings, baseline)
    risk = gate_risk(assessment, marks)
    changed = risk != int(assessment.risk_level)
    reasons = check_thresholds(
        assessment, settings.max_risk, settings.min_factuality, risk=risk if changed else None
    )
    checked = getattr(assessment, "status", CHECKED) != UNCHECKED
    if not checked and settings.fail_on_unchecked:
        why = getattr(assessment, "status_reason", None) or "nothing in it could be checked"
        reasons.append(f"not checked: {why}")
    return GateResult(
        input=inp,
        status=FAIL if reasons else PASS,
        assessment=assessment,
        reasons=reasons,
        suppressions=marks,
        risk=risk,
        checked=checked,
    )


def iter_gate(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    *,
    engine: Any = None,
    cache: Any = None,
    root: str | os.PathLike[str] | None = None,
    run: GateRun | None = None,
    baseline: Baseline | None = None,
    confinement: Confinement | None = None,
) -> Iterator[GateResult]:
    """Check every input, yielding one result each, in order.

    ``engine`` is a :class:`medfact.pipeline.Engine` (default: the built-in config); it is loaded
    only when an input is not in ``cache`` (a :class:`medfact.cache.ResultCache` or None).
    """
    settings = settings or GateSettings()
    if engine is None:
        engine = LazyEngine()
    skipped = run.skipped if run is not None else None
    inputs = iter_inputs(paths, settings, root, confinement=confinement, skipped=skipped)
    for inp in inputs:
        if inp.case is None:
            result = GateResult(input=inp, status=ERROR, error=inp.error)
        else:
            result = _score(inp, engine, cache, run)
            if result.status != ERROR:
                assessment: Assessment = result.assessment  # type: ignore[assignment]
                result = replace(
                    evaluate(inp, assessment, settings, baseline), cached=result.cached
                )
        if run is not None:
            run.results.append(result)
        yield result


def _score(inp: GateInput, engine: Any, cache: Any, run: GateRun | None) -> GateResult:
    case: Case = inp.case  # type: ignore[assignment]
    key = None
    if cache is not None:
        key = cache.key(engine.config_hash, case)
        hit = cache.get(key, case_id=case.id)
        if hit is not None:
            if run is not None:
                run.cached += 1
            return GateResult(input=inp, status=PASS, assessment=hit, cached=True)
    load = getattr(engine, "load", None)
    if load is not None:
        load()  # a pipeline that cannot be built is a config error, raised, not a record error
    (outcome,) = list(engine.score_many([case]))
    if isinstance(outcome, RecordError):
        outcome.id = outcome.id or inp.name
        if inp.line is not None:
            outcome.error.setdefault("line", inp.line)
        return GateResult(input=inp, status=ERROR, error=outcome)
    if run is not None:
        run.scored += 1
    if cache is not None and key is not None:
        cache.put(key, outcome)
    return GateResult(input=inp, status=PASS, assessment=outcome)


def run_gate(
    paths: Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    *,
    engine: Any = None,
    cache: Any = None,
    root: str | os.PathLike[str] | None = None,
    on_result: Callable[[GateResult], None] | None = None,
    baseline: Baseline | None = None,
    confinement: Confinement | None = None,
) -> GateRun:
    """Check every input and collect the results (``on_result`` sees each as it comes)."""
    settings = settings or GateSettings()
    run = GateRun(settings=settings)
    start = time.perf_counter()
    for result in iter_gate(
        paths,
        settings,
        engine=engine,
        cache=cache,
        root=root,
        run=run,
        baseline=baseline,
        confinement=confinement,
    ):
        if on_result is not None:
            on_result(result)
    run.seconds = time.perf_counter() - start
    return run
