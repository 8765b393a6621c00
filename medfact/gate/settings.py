"""The gate's settings: the ``[gate]`` table of a config file, command-line overrides, thresholds.

The config file is read by :func:`medfact.config.load_config` (the one loader of ``score``,
``gate`` and the library); its ``[gate]`` table is split off here, because gate thresholds do
not change scores and must stay out of the engine's config hash (the result cache stays valid
when they change).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError
from medfact.taxonomy import ErrorCategory
from medfact.types import Assessment

FORMATS = ("text", "json", "sarif", "junit")
DEFAULT_CONTEXT_SUFFIX = ".context.txt"
CONFIG_NAMES = ("medfact.toml", "pyproject.toml")
MAX_CONFIG_BYTES = 4 * 1024 * 1024
CATEGORIES = tuple(c.value for c in ErrorCategory)


@dataclass(frozen=True)
class GateSettings:
    """The gate's policy and options. ``[gate]`` keys of the config file have the same names."""

    max_risk: int = 2
    min_factuality: float | None = None
    context_suffix: str = DEFAULT_CONTEXT_SUFFIX
    format: str = "text"
    cache: bool = True
    cache_dir: str | None = None
    cache_max_mb: float | None = None
    require_context: bool = True
    exclude: tuple[str, ...] = ()
    fail_on_unchecked: bool = True
    ignore: tuple[str, ...] = ()
    baseline: str | None = None
    roots: tuple[str, ...] = ()
    allow_outside: bool = False

    def __post_init__(self) -> None:
        _check_settings(self)


def _setting_error(key: str, allowed: str, value: Any) -> ConfigError:
    return ConfigError(f"[gate] {key} must be {allowed}, got {value!r}")


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _check_settings(s: GateSettings) -> None:
    if isinstance(s.max_risk, bool) or not isinstance(s.max_risk, int) or not 1 <= s.max_risk <= 4:
        raise _setting_error("max_risk", "an integer from 1 to 4", s.max_risk)
    mf = s.min_factuality
    if mf is not None and (not _is_number(mf) or not 0.0 <= mf <= 1.0):
        raise _setting_error("min_factuality", "a number from 0 to 1", mf)
    if not isinstance(s.context_suffix, str) or not s.context_suffix.strip():
        raise _setting_error("context_suffix", "a non-empty string", s.context_suffix)
    if "/" in s.context_suffix or "\\" in s.context_suffix:
        raise _setting_error(
            "context_suffix", "a file-name ending, without slashes", s.context_suffix
        )
    if s.format not in FORMATS:
        raise _setting_error("format", "one of " + ", ".join(FORMATS), s.format)
    for key in ("cache", "require_context", "fail_on_unchecked", "allow_outside"):
        if not isinstance(getattr(s, key), bool):
            raise _setting_error(key, "true or false", getattr(s, key))
    for key in ("cache_dir", "baseline"):
        if getattr(s, key) is not None and not isinstance(getattr(s, key), str):
            raise _setting_error(key, "a path", getattr(s, key))
    mb = s.cache_max_mb
    if mb is not None and (not _is_number(mb) or mb <= 0):
        raise _setting_error("cache_max_mb", "a positive number", mb)
    for key, what in (("exclude", "glob patterns"), ("roots", "folders")):
        value = getattr(s, key)
        if not isinstance(value, tuple) or not all(isinstance(p, str) for p in value):
            raise _setting_error(key, f"a list of {what}", value)
    if not isinstance(s.ignore, tuple) or not all(isinstance(c, str) for c in s.ignore):
        raise _setting_error("ignore", "a list of error categories", s.ignore)
    unknown = [c for c in s.ignore if c not in CATEGORIES]
    if unknown:
        raise _setting_error("ignore", "error categories (" + ", ".join(CATEGORIES) + ")", unknown)


GATE_KEYS = tuple(GateSettings.__dataclass_fields__)
_LISTS = ("exclude", "ignore", "roots")
_PATHS = ("cache_dir", "baseline")


@dataclass
class GateConfig:
    """A resolved config file: the engine's part, the ``[gate]`` part, and where it came from."""

    engine: dict[str, Any]
    gate: dict[str, Any]
    path: Path | None = None


def _declares_medfact(path: Path) -> bool:
    """Whether a ``pyproject.toml`` has a ``[tool.medfact]`` table (read bounded)."""
    from medfact.io import read_regular_bytes

    try:
        data = read_regular_bytes(path, max_bytes=MAX_CONFIG_BYTES)
        return "medfact" in tomllib.loads(data.decode("utf-8")).get("tool", {})
    except InputError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.message}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``medfact.toml``, or ``pyproject.toml`` with ``[tool.medfact]``, from ``start``
    (default: the working directory) up to the filesystem root; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "medfact.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _declares_medfact(candidate):
            return candidate
    return None


def check_gate_keys(gate: Any, where: str) -> dict[str, Any]:
    """The ``[gate]`` table as a dict, with unknown keys refused by name."""
    if not isinstance(gate, dict):
        raise ConfigError(f"[gate] in {where} must be a table, got {type(gate).__name__}")
    for key in gate:
        if key not in GATE_KEYS:
            close = difflib.get_close_matches(key, GATE_KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown config key [gate] {key!r} in {where}.{hint} "
                f"Allowed: {', '.join(sorted(GATE_KEYS))}."
            )
    return dict(gate)


def load_gate_config(
    path: str | os.PathLike[str] | None, overrides: dict[str, Any] | None = None
) -> GateConfig:
    """Read a config file through :func:`medfact.config.load_config` and split it.

    ``engine`` is the resolved engine config (defaults, the file, then ``overrides``) without
    ``[gate]``; ``gate`` holds the ``[gate]`` keys, with ``cache_dir``, ``baseline`` and
    ``roots`` resolved relative to the file. None reads no file.
    """
    from medfact.config import load_config
    from medfact.io import read_regular_bytes

    if path is not None:  # a FIFO or /dev/zero named as the config must not hang the run
        try:
            read_regular_bytes(path, max_bytes=MAX_CONFIG_BYTES)
        except InputError as exc:
            raise ConfigError(f"cannot read config file {str(path)!r}: {exc.message}") from None
    config = load_config(None if path is None else Path(path), overrides)
    where = repr(str(path)) if path is not None else "the config"
    gate = check_gate_keys(config.pop("gate", {}), where)
    base = Path(path).parent if path is not None else Path.cwd()
    for key in _PATHS:
        if isinstance(gate.get(key), str):
            gate[key] = str(base / Path(gate[key]).expanduser())
    if isinstance(gate.get("roots"), list):
        gate["roots"] = [
            str(base / Path(r).expanduser()) if isinstance(r, str) else r for r in gate["roots"]
        ]
    for key in _LISTS:
        if isinstance(gate.get(key), list):
            gate[key] = tuple(gate[key])
    return GateConfig(engine=config, gate=gate, path=None if path is None else Path(path))


def resolve_settings(file_gate: dict[str, Any], **overrides: Any) -> GateSettings:
    """File values over the defaults, then every override that is not None."""
    values = dict(file_gate)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GateSettings(**values)


def check_thresholds(
    assessment: Assessment,
    max_risk: int = 2,
    min_factuality: float | None = None,
    *,
    risk: int | None = None,
) -> list[str]:
    """Why an assessment fails the thresholds; an empty list when it passes.

    ``risk`` replaces the assessment's risk level (the gate passes the level left once
    suppressed findings no longer count). A factuality of None (no claim could be checked)
    does not fail ``min_factuality``.
    """
    reasons = []
    level = int(assessment.risk_level) if risk is None else risk
    if level > max_risk:
        name = assessment.risk_name if risk is None else _risk_name(level)
        reasons.append(f"risk {level} ({name}) is over the maximum {max_risk}")
    fact = assessment.factuality
    if min_factuality is not None and fact is not None and fact < min_factuality:
        reasons.append(f"factuality {fact:.2f} is under the minimum {min_factuality:.2f}")
    return reasons


def _risk_name(level: int) -> str:
    from medfact.taxonomy import RiskLevel

    return RiskLevel(level).label
