"""``medfact.nli.train --blend``: weights part of the way from the starting model to the trained
one (WiSE-FT). No training here: the interpolation and the option's parsing."""

from __future__ import annotations

import pytest
import torch

from medfact.errors import InputError
from medfact.nli.train import blend_states, parse_blend


def _states() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    start = {"w": torch.tensor([0.0, 2.0, -4.0]), "ids": torch.tensor([0, 1, 2])}
    end = {"w": torch.tensor([1.0, 0.0, 4.0]), "ids": torch.tensor([5, 6, 7])}
    return start, end


def test_blend_ends_and_midpoint() -> None:
    start, end = _states()
    assert torch.equal(blend_states(start, end, 0.0)["w"], start["w"])
    assert torch.equal(blend_states(start, end, 1.0)["w"], end["w"])
    assert torch.allclose(blend_states(start, end, 0.25)["w"], torch.tensor([0.25, 1.5, -2.0]))


def test_blend_takes_integer_buffers_from_the_trained_model() -> None:
    start, end = _states()
    assert torch.equal(blend_states(start, end, 0.5)["ids"], end["ids"])


def test_blend_leaves_its_inputs_alone() -> None:
    start, end = _states()
    blend_states(start, end, 0.5)
    assert torch.equal(start["w"], torch.tensor([0.0, 2.0, -4.0]))
    assert torch.equal(end["w"], torch.tensor([1.0, 0.0, 4.0]))


def test_blend_rejects_other_models_and_weights() -> None:
    start, end = _states()
    with pytest.raises(InputError, match="same names"):
        blend_states(start, {"w": end["w"]}, 0.5)
    with pytest.raises(InputError, match="outside"):
        blend_states(start, end, 1.5)


def test_parse_blend() -> None:
    assert parse_blend("1") == (1.0,)
    assert parse_blend("1, 0.5,0.25,0.5") == (0.25, 0.5, 1.0)
    for bad in ("0,1", "1.2", "", "half"):
        with pytest.raises(InputError) as err:
            parse_blend(bad)
        assert err.value.field == "blend"
