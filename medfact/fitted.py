"""Fitted models stored as plain JSON (coefficients, scaler, metrics): never pickle."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from medfact.errors import NotFittedError


def load_fitted(
    path: str | None, shipped: str, what: str, command: str, features: tuple[str, ...]
) -> dict[str, Any]:
    """The model at ``path`` (default: ``medfact/models/<shipped>``), checked to read
    ``features``; NotFittedError names ``command``, the way to fit one."""
    source = path or str(files("medfact").joinpath(f"models/{shipped}"))
    try:
        with open(source, encoding="utf-8") as handle:
            model = json.load(handle)
    except OSError as exc:
        raise NotFittedError(
            f"no {what} model at {source}: run `{command}` or use --no-model ({exc.strerror})"
        ) from None
    if tuple(model.get("features", ())) != features:
        raise NotFittedError(f"{what} model {source} was trained on other features")
    return model
