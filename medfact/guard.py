"""A guard for generation pipelines: check each generated text before it goes on.

>>> from medfact.guard import Guard
>>> guard = Guard(policy="regenerate", max_risk=2, max_attempts=3)
>>> @guard.wrap                       # the context comes from the argument named "context"
... def write_note(dialogue, context): return llm(dialogue)
>>> note = write_note(d, context=d)   # a safe note, or UnsafeOutputError after 3 tries

Policies
    ``raise``: an output over the thresholds raises :class:`UnsafeOutputError` (it carries the
    assessment). ``flag``: the output is returned anyway, with a warning logged and the result
    passed to ``on_result`` (or returned, with ``return_result=True``). ``regenerate``: the
    generate function is called again, up to ``max_attempts`` calls in all; when every attempt
    fails, ``on_exhausted`` decides: ``"raise"`` (default) or ``"flag"`` (the least risky attempt
    is returned).

Async generate functions are wrapped by async functions; scoring then runs in a worker thread
(``asyncio.to_thread``) so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from medfact.errors import ConfigError, MedfactError
from medfact.gate import check_thresholds
from medfact.types import Assessment, Case, Finding

log = logging.getLogger("medfact.guard")

POLICIES = ("raise", "flag", "regenerate")
EXHAUSTED = ("raise", "flag")


@dataclass
class GuardResult:
    """The guard's verdict on one generated text."""

    output: str
    assessment: Assessment
    passed: bool
    reasons: list[str] = field(default_factory=list)
    attempt: int = 1  # which call of the generate function produced it (1-based)
    value: Any = None  # what the generate function returned (the output itself for check())
    history: list[GuardResult] = field(default_factory=list)  # earlier failed attempts

    @property
    def risk_level(self) -> int:
        return int(self.assessment.risk_level)

    @property
    def safe(self) -> bool:
        return self.assessment.safe

    @property
    def findings(self) -> list[Finding]:
        return self.assessment.findings

    def __bool__(self) -> bool:
        return self.passed


class GuardError(MedfactError):
    """The guard was used in a way it cannot work with (e.g. no text in a return value)."""

    code = "E041"


class UnsafeOutputError(MedfactError):
    """A generated output failed the guard. ``assessment``, ``output`` and ``result`` tell why;
    ``attempts`` holds every attempt's result when the output was regenerated."""

    code = "E040"

    def __init__(self, result: GuardResult, attempts: list[GuardResult] | None = None) -> None:
        self.result = result
        self.assessment = result.assessment
        self.output = result.output
        self.attempts = attempts or [result]
        n = len(self.attempts)
        tries = f" in all {n} attempts" if n > 1 else ""
        super().__init__(f"generated output failed the guard{tries}: " + "; ".join(result.reasons))


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"Guard parameter {name!r} must be one of {', '.join(map(repr, allowed))}, "
            f"got {value!r}"
        )


class Guard:
    """Checks generated texts against their input and blocks, flags or regenerates unsafe ones.

    ``engine``: a :class:`medfact.pipeline.Engine`, a config (TOML path or dict) or None for the
    built-in pipeline; built on first use. ``max_risk`` (1-4) and ``min_factuality`` (0-1 or
    None) are the thresholds, as in ``medfact gate``. ``cache``: a
    :class:`medfact.cache.ResultCache` to skip texts already scored. ``on_result`` is called
    with every :class:`GuardResult`. Checks through one guard run one at a time (the engine is
    not assumed to be thread-safe); async callers wait without blocking their event loop.
    """

    def __init__(
        self,
        engine: Any = None,
        policy: str = "raise",
        max_risk: int = 2,
        min_factuality: float | None = None,
        max_attempts: int = 3,
        *,
        on_exhausted: str = "raise",
        cache: Any = None,
        on_result: Callable[[GuardResult], Any] | None = None,
    ) -> None:
        _check_choice("policy", policy, POLICIES)
        _check_choice("on_exhausted", on_exhausted, EXHAUSTED)
        if isinstance(max_risk, bool) or not isinstance(max_risk, int) or not 1 <= max_risk <= 4:
            raise ConfigError(f"Guard parameter 'max_risk' must be 1 to 4, got {max_risk!r}")
        if min_factuality is not None and (
            isinstance(min_factuality, bool)
            or not isinstance(min_factuality, int | float)
            or not 0 <= min_factuality <= 1
        ):
            raise ConfigError(
                f"Guard parameter 'min_factuality' must be 0 to 1 or None, got {min_factuality!r}"
            )
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ConfigError(
                f"Guard parameter 'max_attempts' must be a positive integer, got {max_attempts!r}"
            )
        self.engine = engine
        self.policy = policy
        self.max_risk = max_risk
        self.min_factuality = min_factuality
        self.max_attempts = max_attempts
        self.on_exhausted = on_exhausted
        self.cache = cache
        self.on_result = on_result
        self._engine_: Any = None
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- checking

    def _get_engine(self) -> Any:
        if self._engine_ is None:
            from medfact.pipeline import Engine, cached_engine

            if isinstance(self.engine, Engine) or hasattr(self.engine, "score"):
                self._engine_ = self.engine
            else:  # None (the default) or a config: one loaded engine per config and process
                self._engine_ = cached_engine(self.engine)
        return self._engine_

    def check(
        self,
        output: str,
        context: str | None = None,
        *,
        question: str | None = None,
        task: str | None = None,
        id: str = "guard",
    ) -> GuardResult:
        """Score one text and say whether it passes. Raises InputError for an unusable text
        (empty, too long); never raises for an unsafe one (that is the policy's business)."""
        if not isinstance(output, str):
            raise GuardError(
                f"the text to check must be a string, got {type(output).__name__}; "
                "with wrap(), pass output=<function returning the text>"
            )
        case = Case(id=id, output=output, context=context, question=question, task=task)
        with self._lock:
            engine = self._get_engine()
            assessment = None
            key = None
            if self.cache is not None:
                key = self.cache.key(engine.config_hash, case)
                assessment = self.cache.get(key, case_id=id)
            if assessment is None:
                assessment = engine.score(case)
                if key is not None:
                    self.cache.put(key, assessment)
        reasons = check_thresholds(assessment, self.max_risk, self.min_factuality)
        return GuardResult(
            output=output, assessment=assessment, passed=not reasons, reasons=reasons, value=output
        )

    async def acheck(
        self,
        output: str,
        context: str | None = None,
        *,
        question: str | None = None,
        task: str | None = None,
        id: str = "guard",
    ) -> GuardResult:
        """:meth:`check` in a worker thread, for use inside an event loop."""
        return await asyncio.to_thread(
            self.check, output, context, question=question, task=task, id=id
        )

    # ----------------------------------------------------------------- wrapping

    def wrap(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        context: str | Callable[..., str | None] | None = "context",
        question: str | Callable[..., str | None] | None = None,
        output: Callable[[Any], str] | None = None,
        return_result: bool = False,
    ) -> Any:
        """Decorate a generate function (sync or async) so that what it returns is checked.

        ``context`` / ``question``: the name of the function's parameter that holds the text,
        or a function of the call's ``(*args, **kwargs)`` returning it, or None. ``output``: a
        function taking the return value to the text (default: the return value, a string).
        The wrapped function returns what ``fn`` returns, or the :class:`GuardResult` with
        ``return_result=True``. Usable as ``@guard.wrap`` or ``@guard.wrap(context="source")``.
        """
        if fn is None:
            return functools.partial(
                self.wrap,
                context=context,
                question=question,
                output=output,
                return_result=return_result,
            )
        get_context = _argument_getter(fn, context, "context")
        get_question = _argument_getter(fn, question, "question")
        to_text = output or _as_text
        name = getattr(fn, "__qualname__", "generate")

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                ctx, q = get_context(args, kwargs), get_question(args, kwargs)
                results: list[GuardResult] = []
                for attempt in range(1, self._attempts() + 1):
                    value = await fn(*args, **kwargs)
                    result = await asyncio.to_thread(
                        self._judge, value, to_text, ctx, q, name, attempt
                    )
                    results.append(result)
                    if result.passed:
                        break
                return self._settle(results, return_result)

            guarded_async.guard = self  # type: ignore[attr-defined]
            return guarded_async

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            ctx, q = get_context(args, kwargs), get_question(args, kwargs)
            results: list[GuardResult] = []
            for attempt in range(1, self._attempts() + 1):
                value = fn(*args, **kwargs)
                result = self._judge(value, to_text, ctx, q, name, attempt)
                results.append(result)
                if result.passed:
                    break
            return self._settle(results, return_result)

        guarded.guard = self  # type: ignore[attr-defined]
        return guarded

    def _attempts(self) -> int:
        return self.max_attempts if self.policy == "regenerate" else 1

    def _judge(
        self,
        value: Any,
        to_text: Callable[[Any], str],
        context: str | None,
        question: str | None,
        name: str,
        attempt: int,
    ) -> GuardResult:
        text = to_text(value)
        result = self.check(text, context, question=question, id=f"{name}#{attempt}")
        result.attempt, result.value = attempt, value
        if self.on_result is not None:
            self.on_result(result)
        if not result.passed and attempt < self._attempts():
            log.info("attempt %d failed the guard (%s); generating again", attempt, result.reasons)
        return result

    def _settle(self, results: list[GuardResult], return_result: bool) -> Any:
        last = results[-1]
        if last.passed:
            last.history = results[:-1]
            return last if return_result else last.value
        best = min(
            results,
            key=lambda r: (r.risk_level, -(r.assessment.factuality or 0.0), r.attempt),
        )
        best.history = [r for r in results if r is not best]
        if self.policy == "raise" or (self.policy == "regenerate" and self.on_exhausted == "raise"):
            raise UnsafeOutputError(best, results)
        log.warning(
            "flagged output (attempt %d of %d): %s",
            best.attempt,
            len(results),
            "; ".join(best.reasons),
        )
        return best if return_result else best.value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise GuardError(
        f"the generate function returned {type(value).__name__}, not a string; "
        "pass output=<function taking the return value to the text>"
    )


def _argument_getter(
    fn: Callable[..., Any], spec: str | Callable[..., Any] | None, what: str
) -> Callable[[tuple[Any, ...], dict[str, Any]], Any]:
    if spec is None:
        return lambda args, kwargs: None
    if callable(spec):
        return lambda args, kwargs: spec(*args, **kwargs)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: keyword only
        return lambda args, kwargs: kwargs.get(spec)
    params = sig.parameters
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if spec not in params and not takes_kwargs:
        raise GuardError(
            f"cannot find the {what} of {getattr(fn, '__qualname__', fn)!r}: it has no parameter "
            f"{spec!r}; pass {what}='<parameter name>', {what}=<function of the call's "
            f"arguments> or {what}=None"
        )

    def get(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError:
            return kwargs.get(spec)
        bound.apply_defaults()
        if spec in bound.arguments:
            return bound.arguments[spec]
        extra = next(
            (
                v
                for p, v in bound.arguments.items()
                if params[p].kind is inspect.Parameter.VAR_KEYWORD
            ),
            {},
        )
        return extra.get(spec)

    return get
