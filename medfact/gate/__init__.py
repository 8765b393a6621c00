"""The gate: find the texts to check, pair each with its context, score, and pass or fail them.

Used by ``medfact gate`` (pre-commit hook, CI step) and by :mod:`medfact.guard`. Split by
concern:

- :mod:`medfact.gate.settings`: ``[gate]`` settings, the config file, thresholds;
- :mod:`medfact.gate.inputs`: discovery, bounded and confined reading, contexts;
- :mod:`medfact.gate.frontmatter` and :mod:`medfact.gate.locate`: front matter, line:col;
- :mod:`medfact.gate.suppress`: inline suppressions, ignored categories, baselines;
- :mod:`medfact.gate.runner`: scoring (with the result cache) and the verdicts;
- :mod:`medfact.gate.report`: SARIF, JUnit, JSON Lines and text.

The names below are the public API; :mod:`medfact.gate.report` is imported on its own.
"""

from __future__ import annotations

from medfact.gate.frontmatter import FrontMatter, parse_front_matter
from medfact.gate.inputs import (
    JSONL_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    Confinement,
    GateInput,
    iter_inputs,
    iter_paths,
    repository_root,
)
from medfact.gate.locate import LineIndex, Locator, Region, json_string_offsets
from medfact.gate.runner import (
    CHECKED,
    ERROR,
    FAIL,
    PASS,
    UNCHECKED,
    GateResult,
    GateRun,
    LazyEngine,
    evaluate,
    iter_gate,
    run_gate,
)
from medfact.gate.settings import (
    DEFAULT_CONTEXT_SUFFIX,
    FORMATS,
    GATE_KEYS,
    GateConfig,
    GateSettings,
    check_thresholds,
    find_config,
    load_gate_config,
    resolve_settings,
)
from medfact.gate.suppress import Baseline, Suppression, fingerprint

__all__ = [
    "CHECKED",
    "DEFAULT_CONTEXT_SUFFIX",
    "ERROR",
    "FAIL",
    "FORMATS",
    "GATE_KEYS",
    "JSONL_SUFFIXES",
    "MAX_FILE_BYTES",
    "PASS",
    "TEXT_SUFFIXES",
    "UNCHECKED",
    "Baseline",
    "Confinement",
    "FrontMatter",
    "GateConfig",
    "GateInput",
    "GateResult",
    "GateRun",
    "GateSettings",
    "LazyEngine",
    "LineIndex",
    "Locator",
    "Region",
    "Suppression",
    "check_thresholds",
    "evaluate",
    "find_config",
    "fingerprint",
    "iter_gate",
    "iter_inputs",
    "iter_paths",
    "json_string_offsets",
    "load_gate_config",
    "parse_front_matter",
    "repository_root",
    "resolve_settings",
    "run_gate",
]
