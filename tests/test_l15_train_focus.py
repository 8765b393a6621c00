"""``medfact.nli.train --focus``: the weighted-up training mix (issue 12, Check-COVID's gap).

No training here: only the mix (all of the focus source's train pairs plus an equal seeded sample
of the others, never a validation or test row) and the per-source AUC used to pick epochs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medfact.errors import InputError
from medfact.nli.train import Example, focus_mix, load_examples, lr_factor, source_aucs


def _examples(focus: int, others: int) -> list[Example]:
    rows = [Example(f"p{i}", f"h{i}", i % 2, "check-covid") for i in range(focus)]
    rows += [
        Example(f"q{i}", f"g{i}", i % 2, ("mts-dialog", "twins")[i % 2]) for i in range(others)
    ]
    return rows


def test_focus_mix_counts_exact() -> None:
    mix = focus_mix(_examples(7, 40), "check-covid", seed=0)
    assert len(mix) == 14
    assert sum(e.source == "check-covid" for e in mix) == 7
    assert len(set(mix)) == 14  # sampled without replacement


def test_focus_mix_seeded() -> None:
    rows = _examples(7, 40)
    assert focus_mix(rows, "check-covid", seed=3) == focus_mix(rows, "check-covid", seed=3)
    assert focus_mix(rows, "check-covid", seed=3) != focus_mix(rows, "check-covid", seed=4)


def test_focus_mix_fewer_others_takes_all() -> None:
    mix = focus_mix(_examples(10, 4), "check-covid", seed=0)
    assert len(mix) == 14


def test_focus_mix_unknown_source() -> None:
    with pytest.raises(InputError):
        focus_mix(_examples(3, 5), "summedits", seed=0)


def _write(folder: Path, split: str, n: int) -> None:
    lines = []
    for i in range(n):
        for source in ("check-covid", "mts-dialog"):
            row = {
                "premise": f"{split} premise {source} {i}.",
                "hypothesis": f"{split} claim {i}.",
                "label": ("supported", "not_enough_info")[i % 2],
                "source": source,
            }
            lines.append(json.dumps(row))
    (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_focus_mix_train_split_only(tmp_path: Path) -> None:
    for split, n in (("train", 6), ("valid", 5), ("test", 5)):
        _write(tmp_path, split, n)
    train = load_examples(
        [tmp_path], "train", ("check-covid", "mts-dialog"), contradicted=False, window_chars=600
    )
    mix = focus_mix(train, "check-covid", seed=0)
    assert len(mix) == 12
    assert all(e.premise.startswith("train ") for e in mix)


def test_source_aucs() -> None:
    rows = _examples(4, 4)
    p = np.array([0.1, 0.9, 0.2, 0.8, 0.9, 0.1, 0.8, 0.2])
    assert source_aucs(p, rows, "check-covid") == {"check-covid": 1.0, "others": 0.0}


def test_lr_factor_linear_matches_warmup_then_decay() -> None:
    total = 100  # warm-up is 5 steps
    assert lr_factor(0, total, "linear") == pytest.approx(0.2)
    assert lr_factor(4, total, "linear") == pytest.approx(1.0)
    assert lr_factor(52, total, "linear") == pytest.approx(48 / 95)
    assert lr_factor(99, total, "linear") == pytest.approx(1 / 95)


def test_lr_factor_constant_holds_after_warmup() -> None:
    assert lr_factor(0, 100, "constant") == pytest.approx(0.2)
    assert [lr_factor(s, 100, "constant") for s in (5, 50, 99)] == [1.0, 1.0, 1.0]


def test_lr_factor_unknown_schedule_names_the_field() -> None:
    with pytest.raises(InputError) as err:
        lr_factor(10, 100, "cosine")
    assert "cosine" in str(err.value)
