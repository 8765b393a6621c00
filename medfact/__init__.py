"""medfact: validate medical text written by language models.

>>> import medfact
>>> a = medfact.score("Take 50 mg daily.", context="Take 5 mg daily.")
>>> a.risk_level, a.safe
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medfact.pipeline import Engine
    from medfact.types import Assessment

__all__ = ["Engine", "__version__", "correct", "score"]


def score(output: str, context: str | None = None, **options: Any) -> Assessment:
    """Score one text with the default engine.

    Options: ``question``, ``id``, ``task``, ``config`` (a TOML path or dict of overrides).
    """
    from medfact.pipeline import default_engine, engine_for

    config = options.pop("config", None)
    engine = default_engine() if config is None else engine_for(config)
    return engine.score_one(output, context=context, **options)


def correct(note: str, **options: Any) -> Any:
    """MEDEC-style check of one clinical note: error flag, sentence, type and correction."""
    from medfact.medec import correct as _correct

    return _correct(note, **options)


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from medfact.pipeline import Engine

        return Engine
    raise AttributeError(f"module 'medfact' has no attribute {name!r}")
