"""comparison.v1, laterality.v1 and unsupported.v1 do work linear in the input's and the
output's length. Work is counted, not timed: every element a rule reads from the analysed
texts' lists (tokens, side mentions, drugs, quantities, sentences) and every character its
regular expressions scan. Four times the text must cost about four times the work (a
quadratic rule costs sixteen times).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from medfact.config import NO_MODEL
from medfact.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
SMALL, FACTOR = 3_000, 4  # characters; the large text is FACTOR times the small one


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("long_inputs", ROOT / "bench" / "long_inputs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class Counter:
    def __init__(self) -> None:
        self.n = 0


class CountingList(list):
    """A list that counts the elements read from it (iteration, indexing, slices)."""

    counter: Counter

    def __iter__(self):
        for item in list.__iter__(self):
            self.counter.n += 1
            yield item

    def __getitem__(self, index):  # type: ignore[override]
        got = list.__getitem__(self, index)
        self.counter.n += len(got) if isinstance(index, slice) else 1
        return got


class CountingPattern:
    """A compiled pattern that counts the characters each search scans (to its match)."""

    def __init__(self, pattern: re.Pattern[str], counter: Counter) -> None:
        self.pattern, self.counter = pattern, counter

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(text) if endpos is None else min(endpos, len(text))
        found = self.pattern.search(text, pos, end)
        self.counter.n += (end if found is None else found.end()) - pos
        return found


def _counted(doc: Any, counter: Counter) -> None:
    for name in ("tokens", "sides", "drugs", "quantities", "sentences"):
        wrapped = CountingList(getattr(doc, name))
        wrapped.counter = counter
        setattr(doc, name, wrapped)
    for cached in ("_starts", "_sentence_ranges", "stems"):  # rebuilt from the counted lists
        doc.__dict__.pop(cached, None)


@pytest.fixture(scope="module")
def views() -> dict[tuple[str, int], Any]:
    bench = _bench()
    engine = Engine.from_config(None, NO_MODEL).load()
    out = {}
    for size in (SMALL, SMALL * FACTOR):
        for series in ("context", "output"):
            out[series, size] = (engine, bench.build_case(series, size))
        # both long at once: work per output part must not scale with the input
        both = {
            "id": f"both-{size}",
            "output": bench.repeat_to(bench.NOTE, size),
            "context": bench.repeat_to(bench.DIALOGUE, size, turns=True),
        }
        out["both", size] = (engine, both)
    return out


def _work(rule_name: str, engine: Any, case: dict[str, str], monkeypatch) -> tuple[int, int]:
    """(work counted, findings) of one rule on a freshly analysed case."""
    import medfact.verifiers.support as support

    view = engine.view(case)
    counter = Counter()
    _counted(view.output, counter)
    _counted(view.context, counter)
    monkeypatch.setattr(support, "_CAUSAL", CountingPattern(support._CAUSAL, counter))
    rule = next(r for r in engine.parts.verifiers if r.name == rule_name)
    findings = rule(view)
    monkeypatch.undo()
    return counter.n, len(findings)


@pytest.mark.parametrize("series", ["context", "output", "both"])
@pytest.mark.parametrize("rule_name", ["comparison.v1", "laterality.v1", "unsupported.v1"])
def test_rule_work_grows_linearly(views, rule_name, series, monkeypatch):
    small, small_findings = _work(rule_name, *views[series, SMALL], monkeypatch)
    large, large_findings = _work(rule_name, *views[series, SMALL * FACTOR], monkeypatch)
    assert small > 0
    # the texts hold what each rule looks for: findings grow with an output that repeats them
    if series != "context":
        assert large_findings >= FACTOR * small_findings - FACTOR > 0
    assert large <= 1.5 * FACTOR * small, f"{rule_name}: {small} -> {large} reads"


def test_the_benchmark_runs_and_restores_what_it_times(capsys):
    from medfact.document import CaseDoc

    lookup = CaseDoc.claim_at
    assert _bench().main(["--series", "output", "--sizes", "3000", "--markdown"]) == 0
    printed = capsys.readouterr().out
    assert "| output | 3,000 |" in printed and "unsupported.v1=" in printed
    assert CaseDoc.claim_at is lookup
