"""The library guard: check, wrap (sync and async), and the raise / flag / regenerate policies."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from medfact.cache import ResultCache
from medfact.errors import ConfigError, MedfactError, RegistryError
from medfact.guard import Guard, GuardError, GuardResult, UnsafeOutputError
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Finding


class FakeEngine:
    """Risk 4 for texts that say UNSAFE, 3 for RISKY, else 1; counts calls and threads."""

    config_hash = "fake-config"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self.threads: set[str] = set()

    def score(self, case) -> Assessment:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        risk = 4 if "UNSAFE" in case.output else 3 if "RISKY" in case.output else 1
        findings = []
        if risk > 1:
            findings.append(
                Finding(
                    category=ErrorCategory.DETAIL_MISIDENTIFICATION,
                    risk=RiskLevel(risk),
                    span=(0, 5),
                    message="wrong side",
                    rule="fake.v1",
                )
            )
        return Assessment(
            id=case.id,
            risk_level=RiskLevel(risk),
            factuality=0.4 if risk > 1 else 1.0,
            findings=findings,
            engine_version="test",
            config_hash=self.config_hash,
        )


def sequence(*outputs: str):
    """A generate function returning the given outputs one call after another."""
    it = iter(outputs)
    calls = []

    def generate(prompt: str, context: str | None = None) -> str:
        calls.append((prompt, context))
        return next(it)

    generate.calls = calls
    return generate


def test_check_passes_and_fails():
    guard = Guard(engine=FakeEngine())
    ok = guard.check("Left knee.", context="left knee")
    assert isinstance(ok, GuardResult) and ok.passed and ok and ok.risk_level == 1
    bad = guard.check("UNSAFE right knee.", context="left knee")
    assert not bad.passed and bad.reasons == ["risk 4 (high risk) is over the maximum 2"]
    assert bad.assessment.findings[0].category == ErrorCategory.DETAIL_MISIDENTIFICATION
    strict = Guard(engine=FakeEngine(), max_risk=4, min_factuality=0.5)
    assert strict.check("UNSAFE").reasons == ["factuality 0.40 is under the minimum 0.50"]


def test_raise_policy_blocks_unsafe_and_returns_safe_unchanged():
    guard = Guard(engine=FakeEngine(), policy="raise")
    safe = guard.wrap(sequence("Left knee."))
    assert safe("write", context="left knee") == "Left knee."
    unsafe = guard.wrap(sequence("UNSAFE right knee."))
    with pytest.raises(UnsafeOutputError) as info:
        unsafe("write", context="left knee")
    err = info.value
    assert isinstance(err, MedfactError) and err.code == "E040"
    assert err.assessment.risk_level == RiskLevel.HIGH and err.output == "UNSAFE right knee."
    assert "risk 4" in str(err)


def test_flag_policy_returns_the_output_and_reports(caplog):
    seen: list[GuardResult] = []
    guard = Guard(engine=FakeEngine(), policy="flag", on_result=seen.append)
    flagged = guard.wrap(sequence("UNSAFE right knee."))
    with caplog.at_level(logging.WARNING, logger="medfact.guard"):
        assert flagged("write", context="left knee") == "UNSAFE right knee."
    assert "flagged output" in caplog.text and "right knee" not in caplog.text  # no text logged
    assert len(seen) == 1 and not seen[0].passed
    with_result = guard.wrap(sequence("RISKY text"), return_result=True)
    result = with_result("write", context="x")
    assert isinstance(result, GuardResult) and not result.passed and result.value == "RISKY text"


def test_regenerate_until_an_output_passes():
    engine = FakeEngine()
    guard = Guard(engine=engine, policy="regenerate", max_attempts=3)
    generate = sequence("UNSAFE one", "RISKY two", "Left knee.")
    wrapped = guard.wrap(generate, return_result=True)
    result = wrapped("write", context="left knee")
    assert result.passed and result.value == "Left knee." and result.attempt == 3
    assert [r.attempt for r in result.history] == [1, 2]
    assert len(generate.calls) == 3 and engine.calls == 3


def test_regenerate_exhausted_raises_or_flags_the_least_risky():
    guard = Guard(engine=FakeEngine(), policy="regenerate", max_attempts=2)
    with pytest.raises(UnsafeOutputError) as info:
        guard.wrap(sequence("UNSAFE a", "RISKY b", "never"))("p", context="c")
    assert len(info.value.attempts) == 2 and info.value.output == "RISKY b"
    flag = Guard(engine=FakeEngine(), policy="regenerate", max_attempts=3, on_exhausted="flag")
    generate = sequence("RISKY a", "UNSAFE b", "UNSAFE c")
    assert flag.wrap(generate)("p", context="c") == "RISKY a"
    assert len(generate.calls) == 3


def test_context_from_arguments_callables_and_extractors():
    engine = FakeEngine()
    guard = Guard(engine=engine)
    seen = []
    guard.on_result = seen.append

    @guard.wrap
    def positional(prompt, context):
        return "Left knee."

    positional("p", "the context")

    @guard.wrap(context=lambda prompt, **kw: f"ctx for {prompt}", output=lambda r: r["text"])
    def structured(prompt):
        return {"text": "Left knee.", "tokens": 3}

    assert structured("q") == {"text": "Left knee.", "tokens": 3}

    @guard.wrap(context="source", question="ask")
    def kwargs_only(**kwargs):
        return "Left knee."

    kwargs_only(source="src", ask="why?")
    assert positional.guard is guard
    assert [r.assessment.id for r in seen] == [
        "test_context_from_arguments_callables_and_extractors.<locals>.positional#1",
        "test_context_from_arguments_callables_and_extractors.<locals>.structured#1",
        "test_context_from_arguments_callables_and_extractors.<locals>.kwargs_only#1",
    ]

    with pytest.raises(GuardError, match="no parameter 'context'"):
        guard.wrap(lambda prompt: "x")
    with pytest.raises(GuardError, match="not a string"):
        guard.wrap(lambda prompt, context=None: 42)("p")


def test_context_reaches_the_engine():
    captured = []

    class Spy(FakeEngine):
        def score(self, case):
            captured.append((case.output, case.context, case.question))
            return super().score(case)

    guard = Guard(engine=Spy())
    guard.wrap(question="question")(lambda context, question: "Left knee.")("ctx", "q?")
    assert captured == [("Left knee.", "ctx", "q?")]


def test_async_wrap_scores_off_the_event_loop():
    engine = FakeEngine(delay=0.2)
    guard = Guard(engine=engine, policy="regenerate", max_attempts=2)
    outputs = iter(["UNSAFE first", "Left knee."])

    @guard.wrap
    async def generate(prompt: str, context: str) -> str:
        await asyncio.sleep(0)
        return next(outputs)

    async def main():
        ticks = 0
        done = False

        async def ticker():
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0.01)

        tick_task = asyncio.create_task(ticker())
        value = await generate("p", context="left knee")
        done = True
        await tick_task
        return value, ticks

    value, ticks = asyncio.run(main())
    assert value == "Left knee."
    assert ticks >= 10, "the event loop was blocked while scoring"
    assert threading.main_thread().name not in engine.threads
    assert asyncio.iscoroutinefunction(generate)


def test_async_raise_and_acheck():
    guard = Guard(engine=FakeEngine())

    @guard.wrap
    async def generate(context: str) -> str:
        return "UNSAFE"

    with pytest.raises(UnsafeOutputError):
        asyncio.run(generate(context="c"))
    result = asyncio.run(guard.acheck("Left knee.", context="left knee"))
    assert result.passed


def test_guard_uses_the_result_cache(tmp_path):
    engine = FakeEngine()
    with ResultCache(tmp_path) as cache:
        guard = Guard(engine=engine, cache=cache)
        first = guard.check("UNSAFE x", context="c", id="one")
        second = guard.check("UNSAFE x", context="c", id="two")
    assert engine.calls == 1
    assert second.assessment.id == "two" and second.reasons == first.reasons


@pytest.mark.parametrize(
    "kwargs",
    [
        {"policy": "ignore"},
        {"on_exhausted": "retry"},
        {"max_risk": 0},
        {"min_factuality": 2},
        {"max_attempts": 0},
    ],
)
def test_bad_parameters_are_named(kwargs):
    key = next(iter(kwargs))
    with pytest.raises(ConfigError, match=f"'{key}'"):
        Guard(**kwargs)


def test_constructor_does_no_work():
    guard = Guard(engine="no/such/config.toml")  # only read when first used
    with pytest.raises(ConfigError, match="no/such/config.toml"):
        guard.check("text")


def test_with_the_real_engine():
    from medfact.pipeline import default_engine

    try:
        engine = default_engine().load()
    except RegistryError as exc:
        pytest.skip(f"the built-in pipeline cannot load: {exc}")
    guard = Guard(engine=engine)
    context = "Doctor: Which knee? Patient: The left knee, swollen for two weeks."
    bad = guard.check("Swelling of the right knee for two weeks.", context=context)
    assert not bad.passed
    spans = [f.span for f in bad.findings if f.rule == "laterality.v1"]
    assert spans and "Swelling of the right knee"[spans[0][0] : spans[0][1]].startswith("right")
    assert guard.check("Swelling of the left knee for two weeks.", context=context).passed
