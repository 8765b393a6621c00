"""Pipeline configuration: a TOML file (or dict) merged over the built-in default, then checked
against a typed schema (:class:`Settings`) before any record is read."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
    ValidationError,
)

from medfact.errors import ConfigError


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


MAX_CONFIG_BYTES = 1 << 20  # a config file is small; a device or FIFO is refused

DEFAULT_STAGES = (
    "segment",
    "decompose",
    "analyze",
    "retrieve",
    "rules",
    "learned",
    "tier1",
    "compare",
    "verdicts",
    "tier2",
    "severity",
    "score",
)

NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PipelineSettings(_Section):
    """``[pipeline]``: the stages, in order, and the plug-in each stage uses."""

    stages: list[NonEmpty] = Field(
        default_factory=lambda: list(DEFAULT_STAGES),
        description="stage names in order (medfact.registry.stages)",
    )
    segmenter: NonEmpty = "clinical.v1"
    decomposer: NonEmpty = "condition_aware.v1"
    analyzer: NonEmpty = "clinical.v1"
    evidence: NonEmpty = "context.v1"
    verifiers: list[NonEmpty] = Field(default_factory=list, description="tier-0 rules")
    learned_verifiers: list[NonEmpty] = Field(
        default_factory=list, description="checks fitted on data that need no torch"
    )
    model: str = Field("", description='tier 1 ("" for none)')
    scorer: NonEmpty = "rules.v1"
    evaluator: str = Field("", description='tier 2 ("" for none)')


class EvidenceSettings(_Section):
    """``[evidence]``: retrieval from the context and from corpora."""

    top_k: PositiveInt = 3
    corpora: list[NonEmpty] = Field(default_factory=list)
    corpus_top_k: PositiveInt = 2
    min_score: float = 0.0
    window_chars: PositiveInt = 400
    # corpus mode: read the whole document a claim's aligned window comes from (tier 1 reads its
    # windows closest to a claim no retrieved window supports; a number the document states
    # nowhere makes the claim unsupported: medfact/aligned_document.py)
    corpus_document: bool = True
    # corpus mode: the claim's facts are compared with its aligned window ("window"), or also
    # with the aligned document's result sentences closest to the claim ("results")
    corpus_compare: Literal["window", "results"] = "window"
    # corpus mode: a claim is supported only by a passage it shares a specific word with, one
    # that at most this share of the corpus's passages hold, or only that passage (1.0: any word)
    anchor_share: float = Field(0.02, gt=0.0, le=1.0)


class LimitsSettings(_Section):
    """``[limits]``: larger texts are refused with a clear error, not scored."""

    max_output_chars: PositiveInt = 200_000
    max_context_chars: PositiveInt = 2_000_000


class Settings(_Section):
    """A resolved config, typed. Built from the merged dict by :meth:`from_dict`."""

    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    components: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="plug-in name -> its parameters (checked by the registry)"
    )
    gate: dict[str, Any] = Field(default_factory=dict, description="`medfact gate` settings")

    @classmethod
    def from_dict(cls, config: dict[str, Any]) -> Settings:
        """Validate ``config``; a wrong key, type or value raises one ConfigError sentence that
        names the key, what is allowed and what was given."""
        try:
            return cls.model_validate(config)
        except ValidationError as exc:
            raise _config_error(exc.errors()[0]) from None


_EXPECTED = {
    "int_type": "an integer",
    "greater_than": "a positive integer",
    "float_type": "a number",
    "string_type": "a string",
    "string_too_short": "a non-empty string",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "bool_type": "true or false",
}


def _config_error(err: Any) -> ConfigError:
    loc = [str(p) for p in err["loc"]]
    given = err.get("input")
    if err["type"] == "extra_forbidden":
        section, key = (loc[0], loc[-1]) if len(loc) > 1 else ("", loc[0])
        model = Settings if not section else Settings.model_fields[section].annotation
        allowed = sorted(getattr(model, "model_fields", {}))
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        where = f"[{section}] " if section else ""
        return ConfigError(
            f"unknown config key {where}{key!r}.{hint} Allowed: {', '.join(allowed)}."
        )
    where = f"[{loc[0]}] " + ".".join(loc[1:]) if len(loc) > 1 else f"[{loc[0]}]"
    expected = _EXPECTED.get(err["type"], err["msg"].lower())
    if err["type"] == "greater_than" and isinstance(given, float):
        expected = "a positive number"
    return ConfigError(
        f"config {where} must be {expected}; got {given!r} ({type(given).__name__})."
    )


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
        from medfact.errors import InputError
        from medfact.io import read_regular_bytes

        path = Path(source)
        try:
            text = read_regular_bytes(path, max_bytes=MAX_CONFIG_BYTES).decode("utf-8")
        except InputError as exc:
            raise ConfigError(f"cannot read config file: {exc.message}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {str(path)!r} is not UTF-8 (byte {exc.start})"
            ) from None
        try:
            override = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        override = override.get("tool", {}).get("medfact", override)
    if not isinstance(override, dict):
        raise ConfigError(f"a config must be a table, got {type(override).__name__}")
    config = merge(default_config(), override)
    if overrides:
        config = merge(config, overrides)
    Settings.from_dict(config)
    return config


def config_hash(config: dict[str, Any]) -> str:
    from medfact import __version__

    blob = json.dumps({"config": config, "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
