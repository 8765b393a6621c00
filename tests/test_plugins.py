"""Every registered plug-in passes medfact.testing.check_plugin; the registry reads classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from medfact import registry
from medfact.errors import ConfigError
from medfact.testing import check_plugin, run_rule

# tier 1 and tier 2 load weights or an LM; their own tests cover them
SKIP = {("verifiers", "crossencoder.v1"), ("verifiers", "lm_evaluator.v1")}
PARAMS = {("corpora", "bm25.v1"): {"path": "/nonexistent/medfact-index"}}
CORE = [
    (family, name)
    for family, reg in registry.FAMILIES.items()
    for name in reg.names()
    if (family, name) not in SKIP
]


@pytest.mark.parametrize(("family", "name"), CORE, ids=[f"{f}:{n}" for f, n in CORE])
def test_every_core_plugin_conforms(family: str, name: str) -> None:
    check_plugin(family, name, PARAMS.get((family, name)))


def test_every_family_is_listed() -> None:
    names = set(registry.families())
    assert {"segmenters", "decomposers", "analyzers", "verifiers", "corpora", "scorers"} <= names
    assert {"stages", "lms", "prompts", "correctors"} <= names


def test_parameters_are_declared_once_on_the_class() -> None:
    # the two that had drifted between a factory and its class
    assert "weak_ratio" in registry.verifiers.parameters("unsupported.v1")
    assert "safe_confidence" in registry.verifiers.parameters("lm_evaluator.v1")
    rule = registry.verifiers.create("unsupported.v1", {"weak_ratio": 0.4})
    assert rule.weak_ratio == 0.4


def test_an_undeclared_parameter_is_refused_with_its_name() -> None:
    with pytest.raises(ConfigError, match="weak_ration.*Did you mean 'weak_ratio'"):
        registry.verifiers.create("unsupported.v1", {"weak_ration": 0.4})


def test_check_plugin_catches_a_rule_that_breaks_the_contract() -> None:
    class Broken:
        def __init__(self, risk: int = 2) -> None:
            self.risk = risk

        def __call__(self, doc):  # returns strings, not findings
            return ["oops"]

    registry.verifiers.register("broken_for_test.v1")(Broken)
    try:
        with pytest.raises(AssertionError, match="not a Finding"):
            check_plugin("verifiers", "broken_for_test.v1")
    finally:
        registry.verifiers._factories.pop("broken_for_test.v1")


def test_check_plugin_catches_io_in_a_constructor(tmp_path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x")

    class Reads:
        def __init__(self, where: str = str(path)) -> None:
            self.text = Path(where).read_text()

    registry.verifiers.register("reads_for_test.v1")(Reads)
    try:
        with pytest.raises(AssertionError, match="did I/O"):
            check_plugin("verifiers", "reads_for_test.v1")
    finally:
        registry.verifiers._factories.pop("reads_for_test.v1")


def test_a_rule_runs_alone_on_an_analysed_document() -> None:
    found = run_rule("laterality.v1", "Right knee pain.", "Patient: My left knee hurts.")
    assert [f.rule for f in found] == ["laterality.v1"]
    assert run_rule("laterality.v1", "Left knee pain.", "Patient: My left knee hurts.") == []
