"""Shared fixtures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def make_synth(tmp_path_factory) -> Callable[..., Path]:
    """``make_synth(pairs, *options)``: a `medfact synth make --seed 0` folder made from written
    (context, output) pairs, with any further CLI options."""
    from click.testing import CliRunner

    from medfact.cli import main

    def make(pairs: list[tuple[str, str]], *options: str) -> Path:
        root = tmp_path_factory.mktemp("synth")
        source = root / "pairs.jsonl"
        source.write_text(
            "".join(
                json.dumps({"id": f"p{i:02d}", "context": c, "output": o}) + "\n"
                for i, (c, o) in enumerate(pairs)
            )
        )
        out = root / "data"
        args = ["synth", "make", "--pairs", str(source), "--out", str(out), "--seed", "0"]
        result = CliRunner().invoke(main, [*args, *options])
        assert result.exit_code == 0, result.output
        return out

    return make
