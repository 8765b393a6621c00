"""One interface for every evaluator LM: ``generate(prompts) -> list[Generation]``.

A prompt is a chat (a list of ``{"role", "content"}`` messages) or a plain string, which every
backend treats as one user message. Backends register by versioned name in :data:`lms`
(``transformers.v1``, ``openai.v1``, ``vllm.v1``); third parties add theirs through the
``medfact.lms`` entry-point group. Constructors only store parameters: weights load and
connections open on first use or ``load()``. Nothing reaches the network unless the ``openai``
backend is configured with a ``base_url``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from medfact.errors import ConfigError, MedfactError
from medfact.registry import Registry

log = logging.getLogger("medfact")

Message = dict[str, str]
Prompt = list[Message] | str

FINISH_REASONS = ("stop", "length", "error")


class LMError(MedfactError):
    """An evaluator LM failed: not installed, misconfigured, or unreachable."""

    code = "E050"


class LMUnavailableError(LMError):
    """The backend's library or model is not installed or not found."""

    code = "E051"


class LMOutputError(LMError):
    """The LM's answer could not be parsed into the expected JSON, even after repair and retry."""

    code = "E052"


@dataclass
class Generation:
    """One completion.

    ``seconds`` is the wall time of the call that produced it (for a batch, the whole batch's
    time: the latency this prompt saw). ``finish_reason`` is ``stop`` (end of text or a stop
    string), ``length`` (``max_new_tokens`` reached) or ``error`` (the request failed; ``error``
    says why and ``text`` is empty). Token counts come from the backend's tokenizer or the
    server's ``usage``; ``estimated`` is true where a server reported none and they were
    guessed from the text length (4 characters a token).
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str = "stop"
    error: str | None = None
    estimated: bool = False

    @property
    def ok(self) -> bool:
        return self.finish_reason != "error"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LMStats:
    """What a backend has done since it was built (thread-safe counters)."""

    calls: int = 0
    prompts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    errors: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, generations: Sequence[Generation], seconds: float) -> None:
        with self._lock:
            self.calls += 1
            self.prompts += len(generations)
            self.prompt_tokens += sum(g.prompt_tokens for g in generations)
            self.completion_tokens += sum(g.completion_tokens for g in generations)
            self.errors += sum(not g.ok for g in generations)
            self.seconds += seconds

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {
                "calls": self.calls,
                "prompts": self.prompts,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "seconds": round(self.seconds, 4),
                "errors": self.errors,
            }
        out["completion_tokens_per_second"] = (
            round(self.completion_tokens / self.seconds, 2) if self.seconds else None
        )
        return out


@runtime_checkable
class LM(Protocol):
    """What the evaluator needs of a language model."""

    name: str

    def generate(
        self,
        prompts: Sequence[Prompt],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        json_schema: dict[str, Any] | None = None,
        stop: Sequence[str] | None = None,
    ) -> list[Generation]: ...


class BaseLM:
    """Shared behaviour: argument checks, chat normalisation, stats, ``load()`` on first use."""

    name = "lm"

    def __init__(self) -> None:
        self.stats = LMStats()
        self.load_seconds: float | None = None
        self._loaded = False
        self._load_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    def load(self) -> BaseLM:
        """Load weights or open the connection now; returns self. Later calls do nothing."""
        with self._load_lock:
            if not self._loaded:
                start = time.perf_counter()
                self._load()
                self.load_seconds = time.perf_counter() - start
                self._loaded = True
        return self

    def _load(self) -> None:
        """Subclasses: the expensive part of ``load``."""

    def close(self) -> None:
        """Release connections or memory (optional)."""

    def __enter__(self) -> BaseLM:
        return self.load()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> dict[str, Any]:
        """Identity of the backend and model (recorded in results and model cards)."""
        return {"backend": self.name}

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` (an estimate of 4 characters a token unless a backend knows)."""
        return max(1, (len(text) + 3) // 4)

    # -- generation -----------------------------------------------------------------------------
    def generate(
        self,
        prompts: Sequence[Prompt],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        json_schema: dict[str, Any] | None = None,
        stop: Sequence[str] | None = None,
    ) -> list[Generation]:
        """One Generation per prompt, in order. Greedy when ``temperature`` is 0.

        ``json_schema`` asks for a JSON object of that schema: servers that support structured
        output enforce it, local backends steer the model to open a JSON object and rely on
        :mod:`medfact.lm.parse` to repair and validate what comes back.
        """
        chats = [to_messages(p, i) for i, p in enumerate(prompts)]
        check_generation_args(self.name, max_new_tokens, temperature, json_schema, stop)
        if not chats:
            return []
        self.load()
        start = time.perf_counter()
        out = self._generate(
            chats,
            max_new_tokens=max_new_tokens,
            temperature=float(temperature),
            json_schema=json_schema,
            stop=list(stop or []),
        )
        if len(out) != len(chats):
            raise LMError(f"{self.name} returned {len(out)} generations for {len(chats)} prompts")
        self.stats.add(out, time.perf_counter() - start)
        return out

    def _generate(
        self,
        chats: list[list[Message]],
        *,
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> list[Generation]:
        raise NotImplementedError


def to_messages(prompt: Prompt, position: int = 0) -> list[Message]:
    """A chat from a prompt: a string becomes one user message; a chat is checked."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if not isinstance(prompt, list) or not prompt:
        raise ConfigError(
            f"generate: prompt {position} must be a string or a non-empty list of messages; "
            f"received {type(prompt).__name__}"
        )
    for m in prompt:
        if (
            not isinstance(m, dict)
            or m.get("role") not in ("system", "user", "assistant")
            or not isinstance(m.get("content"), str)
        ):
            raise ConfigError(
                f"generate: prompt {position} has a message that is not "
                "{'role': system|user|assistant, 'content': str}: " + repr(m)[:120]
            )
    return [{"role": m["role"], "content": m["content"]} for m in prompt]


def check_generation_args(
    owner: str,
    max_new_tokens: Any,
    temperature: Any,
    json_schema: Any,
    stop: Any,
) -> None:
    if (
        not isinstance(max_new_tokens, int)
        or isinstance(max_new_tokens, bool)
        or max_new_tokens < 1
    ):
        raise ConfigError(
            f"{owner}.generate: max_new_tokens must be an integer >= 1; received {max_new_tokens!r}"
        )
    if not isinstance(temperature, int | float) or temperature < 0:
        raise ConfigError(
            f"{owner}.generate: temperature must be a number >= 0; received {temperature!r}"
        )
    if json_schema is not None and not isinstance(json_schema, dict):
        raise ConfigError(
            f"{owner}.generate: json_schema must be a dict (a JSON Schema) or None; "
            f"received {type(json_schema).__name__}"
        )
    if stop is not None and (
        isinstance(stop, str) or not all(isinstance(s, str) and s for s in stop)
    ):
        raise ConfigError(
            f"{owner}.generate: stop must be a list of non-empty strings; received {stop!r}"
        )


# The registry of backends. Built-ins register when the medfact.lm package is imported.
lms = Registry("lms", "medfact.lm")

ALIASES = {"transformers": "transformers.v1", "openai": "openai.v1", "vllm": "vllm.v1"}


def create_lm(backend: str | BaseLM | LM, params: dict[str, Any] | None = None) -> LM:
    """A backend by registered name (``"transformers.v1"``, or the short ``"transformers"``)
    with its parameters; an LM object passes through unchanged."""
    if not isinstance(backend, str):
        if params:
            raise ConfigError("create_lm: parameters go with a backend name, not an LM object")
        return backend
    return lms.create(ALIASES.get(backend, backend), params)
