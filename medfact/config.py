"""Pipeline configuration: a TOML file (or dict) merged over the built-in default."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError

_SCHEMA: dict[str, set[str] | None] = {
    "pipeline": {
        "segmenter",
        "decomposer",
        "evidence",
        "verifiers",
        "learned_verifiers",
        "model",
        "scorer",
        "evaluator",
    },
    "evidence": {"top_k", "corpora", "corpus_top_k", "min_score", "window_chars"},
    "limits": {"max_output_chars", "max_context_chars"},
    "components": None,  # free: plug-in name -> its parameters, checked by the registry
    "gate": None,
}


def default_config_text() -> str:
    return files("medfact").joinpath("data/default.toml").read_text(encoding="utf-8")


def default_config() -> dict[str, Any]:
    return tomllib.loads(default_config_text())


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _unknown(key: str, allowed: set[str], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"unknown config key {where}{key!r}.{hint} Allowed: {', '.join(sorted(allowed))}."
    )


def validate(config: dict[str, Any]) -> None:
    for section, value in config.items():
        if section not in _SCHEMA:
            raise _unknown(section, set(_SCHEMA), "")
        keys = _SCHEMA[section]
        if not isinstance(value, dict):
            raise ConfigError(
                f"config section [{section}] must be a table, got {type(value).__name__}"
            )
        if keys is None:
            continue
        for key in value:
            if key not in keys:
                raise _unknown(key, keys, f"[{section}] ")
    for key in ("verifiers", "learned_verifiers"):
        names = config["pipeline"].get(key, [])
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            raise ConfigError(f"[pipeline] {key} must be a list of plug-in names")
    for key, value in config["limits"].items():
        if not isinstance(value, int) or value <= 0:
            raise ConfigError(f"[limits] {key} must be a positive integer, got {value!r}")


NO_MODEL = {"pipeline": {"model": "", "learned_verifiers": [], "scorer": "rules.v1"}}


def load_config(
    source: str | Path | dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Resolve a config: None (default), a TOML path, or a dict; then ``overrides`` on top."""
    if source is None:
        override: dict[str, Any] = {}
    elif isinstance(source, dict):
        override = source
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from None
        try:
            override = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        override = override.get("tool", {}).get("medfact", override)
    config = merge(default_config(), override)
    if overrides:
        config = merge(config, overrides)
    validate(config)
    return config


def config_hash(config: dict[str, Any]) -> str:
    from medfact import __version__

    blob = json.dumps({"config": config, "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
