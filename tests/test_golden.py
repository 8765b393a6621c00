"""The rule tier's outputs on 373 recorded cases are unchanged (bench/golden.py).

Only hashes are stored. An intended change of output is recorded with
``python bench/golden.py --write`` and named in the commit. The trained path's outputs are
compared by hand (``python bench/golden.py``): its float kernels differ between CPUs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MEDFACT_DATA", ROOT.parent / "shared" / "data"))


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "mts-dialog").exists(), reason=f"MTS-Dialog not found under {DATA}")
def test_rule_tier_outputs_match_the_recorded_hashes() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "golden.py"), "--rules-only"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 differ" in proc.stdout
