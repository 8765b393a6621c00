"""``openai.v1``: any OpenAI-compatible chat-completions server over HTTP (httpx).

A vLLM or llama.cpp server, ``medfact serve``, or a hosted API. ``base_url`` is required (there
is no default host, so nothing reaches the network unless it is configured); the API key is read
from the environment variable named by ``api_key_env`` (``OPENAI_API_KEY`` by default) and is
sent only when set. Requests run ``concurrency`` at a time on a thread pool, each with a
timeout; 408, 409, 429, 5xx, timeouts and dropped connections are retried with exponential
backoff (honouring ``Retry-After``). 401, 403 and 404 raise at once: the configuration is wrong
for every request. Any other failure becomes that prompt's error Generation, so one bad request
never loses the others.

Structured output: with ``response_format="auto"`` a JSON schema is sent as
``response_format={"type": "json_schema", ...}``; a server that rejects it (HTTP 400 naming
``response_format``) is remembered as prompt-only, and the schema is then carried by the
prompt alone.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from medfact.errors import ConfigError
from medfact.lm.base import BaseLM, Generation, LMError, LMUnavailableError, Message, lms

log = logging.getLogger("medfact")

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
FATAL_STATUS = frozenset({401, 403, 404})
_FORMATS = ("auto", "json_schema", "json_object", "none")


class OpenAILM(BaseLM):
    """A chat-completions client. Parameters are stored only; the client opens on first use."""

    name = "openai.v1"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        concurrency: int = 4,
        response_format: str = "auto",
        extra_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        seed: int | None = 0,
    ) -> None:
        super().__init__()
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                "openai.v1: base_url must be the server's URL, e.g. http://127.0.0.1:8000/v1; "
                f"received {base_url!r}"
            )
        if not isinstance(model, str) or not model:
            raise ConfigError(
                f"openai.v1: model must be the served model's name; received {model!r}"
            )
        if response_format not in _FORMATS:
            raise ConfigError(
                f"openai.v1: response_format must be one of {', '.join(_FORMATS)}; "
                f"received {response_format!r}"
            )
        for key, value, low in (
            ("timeout", timeout, 0),
            ("concurrency", concurrency, 1),
            ("max_retries", max_retries, 0),
        ):
            if (
                not isinstance(value, int | float)
                or value < low
                or (key == "timeout" and not value)
            ):
                raise ConfigError(f"openai.v1: {key} must be a number >= {low}; received {value!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.concurrency = int(concurrency)
        self.response_format = response_format
        self.extra_body = dict(extra_body or {})
        self.headers = dict(headers or {})
        self.seed = seed
        self.schema_supported_: bool | None = None if response_format == "auto" else True
        self.retries_ = 0
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._flag_lock = threading.Lock()

    def _load(self) -> None:
        try:
            import httpx
        except ImportError:
            raise LMUnavailableError("the openai backend needs httpx: pip install httpx") from None
        headers = {"Content-Type": "application/json", **self.headers}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            limits=httpx.Limits(max_connections=self.concurrency),
        )
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="medfact-openai")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self._loaded = False

    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "base_url": self.base_url, "model": self.model}

    def models(self) -> list[str]:
        """The model names the server offers (``GET /models``)."""
        self.load()
        response = self._client.get("/models")
        self._raise_fatal(response)
        response.raise_for_status()
        return [m.get("id") for m in response.json().get("data", [])]

    # -- generation ---------------------------------------------------------------------------
    def _generate(
        self,
        chats: list[list[Message]],
        *,
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> list[Generation]:
        if self._pool is None:  # closed by another thread between load() and here
            self.load()
        futures = [
            self._pool.submit(self._one, chat, max_new_tokens, temperature, json_schema, stop)
            for chat in chats
        ]
        return [f.result() for f in futures]

    def _body(
        self,
        chat: list[Message],
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat,
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            **self.extra_body,
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if stop:
            body["stop"] = stop
        if json_schema is not None and self.response_format != "none":
            if self.response_format == "json_object":
                body["response_format"] = {"type": "json_object"}
            elif self.schema_supported_ is not False:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": json_schema, "strict": False},
                }
        return body

    def _one(
        self,
        chat: list[Message],
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> Generation:
        import httpx

        start = time.perf_counter()
        attempt = 0
        last = ""
        while True:
            body = self._body(chat, max_new_tokens, temperature, json_schema, stop)
            wait = None
            try:
                response = self._client.post("/chat/completions", json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                status = response.status_code
                if status == 200:
                    sent = (body.get("response_format") or {}).get("type") == "json_schema"
                    return self._generation(response, chat, time.perf_counter() - start, sent)
                self._raise_fatal(response)
                if status == 400 and "response_format" in body and self._rejects_format(response):
                    continue  # retried at once without the schema; not counted as an attempt
                last = f"HTTP {status}: {_detail(response)}"
                if status not in RETRY_STATUS:
                    break
                wait = _retry_after(response)
            if attempt >= self.max_retries:
                break
            attempt += 1
            with self._flag_lock:
                self.retries_ += 1
            delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
            delay = wait if wait is not None else delay * (0.5 + random.random() / 2)
            log.debug("openai.v1: %s; retry %d in %.2fs", last, attempt, delay)
            time.sleep(min(delay, self.max_backoff))
        seconds = time.perf_counter() - start
        tries = f" after {attempt + 1} attempts" if attempt else ""
        return Generation(
            "",
            0,
            0,
            seconds,
            "error",
            error=f"{self.base_url}/chat/completions failed{tries}: {last}",
        )

    def _rejects_format(self, response: Any) -> bool:
        if self.response_format != "auto":
            return False
        if "response_format" not in response.text and "json_schema" not in response.text:
            return False
        with self._flag_lock:
            if self.schema_supported_ is None:
                log.info("openai.v1: the server takes no json_schema; schemas go by prompt only")
            self.schema_supported_ = False
        return True

    def _raise_fatal(self, response: Any) -> None:
        if response.status_code in FATAL_STATUS:
            hint = {
                401: f"check the API key in ${self.api_key_env}",
                403: f"check the API key in ${self.api_key_env} and its permissions",
                404: f"check base_url ({self.base_url}) and the model name ({self.model!r})",
            }[response.status_code]
            raise LMError(
                f"openai.v1: HTTP {response.status_code} from {self.base_url}: "
                f"{_detail(response)} ({hint})"
            )

    def _generation(
        self, response: Any, chat: list[Message], seconds: float, sent_schema: bool
    ) -> Generation:
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            return Generation(
                "", 0, 0, seconds, "error", error="the server's answer is not a chat completion"
            )
        if sent_schema and self.schema_supported_ is None:
            with self._flag_lock:
                self.schema_supported_ = True
        usage = data.get("usage") or {}
        estimated = not ("prompt_tokens" in usage and "completion_tokens" in usage)
        prompt_tokens = usage.get("prompt_tokens")
        if prompt_tokens is None:
            prompt_tokens = sum(self.count_tokens(m["content"]) for m in chat)
        completion_tokens = usage.get("completion_tokens")
        if completion_tokens is None:
            completion_tokens = self.count_tokens(text) if text else 0
        reason = choice.get("finish_reason") or "stop"
        return Generation(
            text,
            int(prompt_tokens),
            int(completion_tokens),
            seconds,
            "length" if reason == "length" else "stop",
            estimated=estimated,
        )


def _detail(response: Any) -> str:
    try:
        data = response.json()
        error = data.get("error", data) if isinstance(data, dict) else data
        message = error.get("message") if isinstance(error, dict) else error
        return str(message)[:300]
    except ValueError:
        return response.text[:300]


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@lms.register("openai.v1")
def openai_lm(
    base_url: str,
    model: str,
    api_key_env: str = "OPENAI_API_KEY",
    timeout: float = 60.0,
    connect_timeout: float = 10.0,
    max_retries: int = 4,
    backoff: float = 0.5,
    max_backoff: float = 20.0,
    concurrency: int = 4,
    response_format: str = "auto",
    extra_body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    seed: int | None = 0,
) -> OpenAILM:
    return OpenAILM(
        base_url,
        model,
        api_key_env=api_key_env,
        timeout=timeout,
        connect_timeout=connect_timeout,
        max_retries=max_retries,
        backoff=backoff,
        max_backoff=max_backoff,
        concurrency=concurrency,
        response_format=response_format,
        extra_body=extra_body,
        headers=headers,
        seed=seed,
    )
