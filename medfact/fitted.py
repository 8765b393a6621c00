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


def logistic_probabilities(model: dict[str, Any], rows: Any) -> Any:
    """Class probabilities (n_rows, n_classes) of a logistic regression stored as JSON: features
    standardised by ``mean``/``scale``, then ``coef``/``intercept`` (scikit-learn's layout: one
    row of coefficients for two classes, one row per class for more)."""
    import numpy as np

    x = (np.asarray(rows, dtype=float) - np.asarray(model["mean"])) / np.asarray(model["scale"])
    coef = np.atleast_2d(np.asarray(model["coef"], dtype=float))
    logits = x @ coef.T + np.atleast_1d(np.asarray(model["intercept"], dtype=float))
    if logits.shape[1] == 1:  # two classes: the second class's logit against a zero
        logits = np.hstack([np.zeros_like(logits), logits])
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)
