"""Helpers for testing plug-ins: a document to run a rule on alone, and a conformance check.

``check_plugin(family, name)`` is medfact's ``check_estimator``: it builds a registered plug-in
from config with each declared parameter, checks that its constructor does no I/O, and for the
families with a ``pipe`` that ``pipe`` equals one-by-one calls, in order, and that bad input gets
a coded medfact error. Third-party plug-ins run it in their own tests::

    from medfact.testing import check_plugin
    check_plugin("verifiers", "my_rule.v1")
"""

from __future__ import annotations

import builtins
import contextlib
import inspect
import io
import json
import os
import random
import socket
from collections.abc import Iterator
from typing import Any

from medfact import registry
from medfact.document import CaseDoc
from medfact.errors import ConfigError
from medfact.types import Finding

_OUTPUT = "Left knee pain for 3 days. Takes metformin 500 mg twice daily. Denies fever."
_CONTEXT = (
    "Doctor: Which knee hurts? Patient: The left one, for three days. Doctor: Any fever? "
    "Patient: No. Doctor: Medicines? Patient: Metformin 500 mg twice a day."
)


def analysed(output: str, context: str | None = None) -> CaseDoc:
    """A case after segmentation, decomposition, analysis and retrieval with the default
    plug-ins, before any rule: what a rule reads."""
    from medfact.pipeline import cached_engine

    engine = cached_engine({"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}})
    return engine.view({"id": "test", "output": output, "context": context})


def run_rule(rule: str | Any, output: str, context: str | None = None) -> list[Finding]:
    """The findings of one rule (a registered name or an instance) alone on one case."""
    if isinstance(rule, str):
        rule = registry.verifiers.create(rule)
    return rule(analysed(output, context))


def context_polarity(context: str, word: str) -> str:
    """The polarity the analysis reads for the first token ``word`` of an input."""
    doc = analysed("Seen.", context).context
    assert doc is not None
    return next(t.polarity for t in doc.tokens if t.text == word)


def negation_flips(output: str, context: str) -> list[str]:
    """The messages of negation.v1's flips on one case: a word present in the input written as
    denied, or one denied or absent there written as present."""
    return [
        f.message
        for f in run_rule("negation.v1", output, context)
        if "present in the input" in f.message or "denied or absent" in f.message
    ]


@contextlib.contextmanager
def _no_io() -> Iterator[None]:
    """Make file opens and socket connections fail loudly while the block runs."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a plug-in constructor did I/O: {args[:1]!r}")

    saved = (builtins.open, io.open, os.open, socket.socket.connect)
    builtins.open = io.open = refuse  # type: ignore[assignment]
    os.open = refuse  # type: ignore[assignment]
    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        builtins.open, io.open, os.open, socket.socket.connect = saved  # type: ignore[misc]


def check_plugin(family: str, name: str, params: dict[str, Any] | None = None) -> Any:
    """Check a registered plug-in against medfact's contracts; returns the built plug-in
    (for a stage, its class). Raises AssertionError naming the broken contract."""
    reg = registry.families()[family]
    if family == "stages":
        _check_stage(name)
        return reg.get(name)
    params = dict(params or {})
    with _no_io():
        plugin = reg.create(name, params)
    # every declared parameter can be given from a config (at its default)
    for key, default in reg.parameters(name).items():
        if default is not None and key not in params:
            with _no_io():
                reg.create(name, {**params, key: default})
    # an undeclared parameter is refused with a coded error
    sig = inspect.signature(reg.get(name))
    if not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        try:
            reg.create(name, {**params, "no_such_parameter_": 1})
        except ConfigError:
            pass
        else:
            raise AssertionError(f"{family} {name!r} accepted an undeclared parameter")
    checker = _CHECKS.get(family)
    if checker is not None:
        checker(plugin, name)
    return plugin


def _check_decomposer(plugin: Any, name: str) -> None:
    from medfact.segment import segment

    texts = [_OUTPUT, "If the pain worsens, return to the clinic.", "Fine."]
    items = [(t, segment(t)) for t in texts]
    one_by_one = [plugin(t, s) for t, s in items]
    assert list(plugin.pipe(items, batch_size=2)) == one_by_one, f"{name}: pipe != calls"
    for (text, _), claims in zip(items, one_by_one, strict=True):
        for claim in claims:
            start, end = claim.span
            assert 0 <= start < end <= len(text), f"{name}: claim span outside the text"


def _check_segmenter(plugin: Any, name: str) -> None:
    for text in (_OUTPUT, _CONTEXT, "BP 120/80 mm Hg.\nHR 72.", ""):
        for sentence in plugin(text):
            start, end = sentence.span
            assert text[start:end] == sentence.text, f"{name}: sentence span != text"


def _check_verifier(plugin: Any, name: str) -> None:
    if not callable(plugin) or hasattr(plugin, "predict"):
        return  # tier 1 / tier 2 models are checked by their own tests (they load weights)
    doc = analysed(_OUTPUT, _CONTEXT)
    findings = plugin(doc)
    assert isinstance(findings, list), f"{name}: a rule returns a list of findings"
    for f in findings:
        assert isinstance(f, Finding), f"{name}: returned {type(f).__name__}, not a Finding"
        if f.span is not None:
            assert 0 <= f.span[0] <= f.span[1] <= len(_OUTPUT), f"{name}: span outside the output"
    assert plugin(analysed(_OUTPUT, _CONTEXT)) == findings, f"{name}: not deterministic"
    assert plugin(analysed(_OUTPUT, None)) == [] or not getattr(plugin, "needs_context", True)


def _check_stage(name: str) -> None:
    """A stage class: built by an engine that runs it, ``pipe`` equals one-by-one calls."""
    from medfact.pipeline import Engine

    engine = Engine.from_config({"pipeline": {"model": "", "scorer": "rules.v1"}}).load()
    stage = next((s for s in engine.stages if s.name == name), None)
    if stage is None:
        return  # not part of the default pipeline (or nothing to do without a model)
    upstream = engine.stages[: engine.stages.index(stage)]
    cases = [
        {"id": str(i), "output": o, "context": _CONTEXT}
        for i, o in enumerate([_OUTPUT, "Right knee pain.", "Denies fever."])
    ]

    def prepared() -> list[CaseDoc]:
        docs = [engine.document(c) for c in cases]
        engine.run_stages(docs, upstream)
        return docs

    batch = list(stage.pipe(prepared(), batch_size=2))
    single = [stage(d) for d in prepared()]
    assert [d.case.id for d in batch] == [c["id"] for c in cases], f"{name}: order not kept"
    for a, b in zip(batch, single, strict=True):
        assert a.findings == b.findings and a.claims == b.claims, f"{name}: pipe != calls"
        assert a.verdicts == b.verdicts and a.risk == b.risk, f"{name}: pipe != calls"


_CHECKS = {
    "decomposers": _check_decomposer,
    "segmenters": _check_segmenter,
    "verifiers": _check_verifier,
}


def canonical_result(result: Any) -> str:
    """A scored result as sorted JSON without its timings: equal strings, equal assessments."""
    data = result.model_dump(mode="json")
    data.pop("timings", None)
    return json.dumps(data, sort_keys=True)


def assert_same_in_any_batch(engine: Any, records: list[dict[str, Any]], seed: int) -> None:
    """Assert that each record scores the same alone as in three shuffled batches of 2, 3 or 64
    (the order and batch size drawn from ``seed``)."""
    alone = {r["id"]: canonical_result(engine.score(r)) for r in records}
    rng = random.Random(seed)
    for _ in range(3):
        shuffled = records[:]
        rng.shuffle(shuffled)
        size = rng.choice([2, 3, 64])
        for result in engine.score_many(shuffled, batch_size=size):
            assert canonical_result(result) == alone[result.id], (result.id, size)
