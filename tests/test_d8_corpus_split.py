"""bench/corpus_verify.py --split: the development PMIDs never include a held-out one."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "corpus_verify.py"


def _module():
    spec = importlib.util.spec_from_file_location("corpus_verify", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_and_test_pmids_are_disjoint(tmp_path: Path) -> None:
    records = {str(n): {"LONG_ANSWER": "x", "CONTEXTS": ["y"]} for n in range(6)}
    (tmp_path / "ori_pqal.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "test_ground_truth.json").write_text(
        json.dumps({"1": "yes", "4": "no", "99": "no"}), encoding="utf-8"
    )
    cv = _module()
    _, test = cv.load(tmp_path)
    _, dev = cv.load(tmp_path, "dev")
    assert test == ["1", "4"]  # held-out PMIDs in the records, in file order
    assert dev == ["0", "2", "3", "5"]
    assert not set(test) & set(dev)


def test_missing_data_exits_with_its_path() -> None:
    cv = _module()
    with pytest.raises(SystemExit):
        cv.load(Path("/nonexistent-folder"), "dev")
