"""A minimal OpenAI-compatible server over any medfact LM backend (``medfact serve``).

``POST /v1/chat/completions`` (non-streaming, ``n=1``; ``max_tokens`` or
``max_completion_tokens``, ``temperature``, ``stop``, ``response_format`` of type ``text``,
``json_object`` or ``json_schema``), ``GET /v1/models`` and ``GET /health``. It binds
127.0.0.1 by default. Requests that arrive together are generated together: a single worker
thread takes up to ``max_batch`` waiting requests with the same generation settings (waiting
``batch_wait`` seconds for more) and makes one batched ``generate`` call, so concurrent clients
share the model's batch. With ``api_key`` set, requests must carry ``Authorization: Bearer KEY``.
Request bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from medfact.errors import ConfigError
from medfact.lm.base import LM, Generation, to_messages

log = logging.getLogger("medfact")

MAX_BODY = 16 * 1024 * 1024


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


@dataclass
class _Job:
    chat: list[dict[str, str]]
    key: str
    settings: dict[str, Any]
    future: Future = field(default_factory=Future)


class ChatHandler(BaseHTTPRequestHandler):
    """Routes requests to the :class:`LMServer` (``self.server.app``). Subclass to add faults
    in tests, or routes."""

    server_version = "medfact-lm"
    protocol_version = "HTTP/1.1"

    @property
    def app(self) -> LMServer:
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("serve: " + format, *args)

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status: int, message: str, kind: str = "invalid_request_error"):
        # the request body may be unread: close rather than parse it as the next request
        self.close_connection = True
        self.send_json(status, {"error": {"message": message, "type": kind, "code": status}})

    def _authorized(self) -> bool:
        key = self.app.api_key
        if not key:
            return True
        if self.headers.get("Authorization", "") == f"Bearer {key}":
            return True
        self.send_error_json(401, "missing or wrong API key", "authentication_error")
        return False

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if not self._authorized():
            return
        path = self.path.split("?")[0].rstrip("/")
        if path == "/health":
            self.send_json(200, {"status": "ok"})
        elif path in ("/v1/models", "/models"):
            self.send_json(200, self.app.models_payload())
        else:
            self.send_error_json(404, f"no route {self.path}", "not_found")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        if not self._authorized():
            return
        path = self.path.split("?")[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self.send_error_json(404, f"no route {self.path}", "not_found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise _HTTPError(413, f"the body is over {MAX_BODY} bytes")
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise _HTTPError(400, "the body is not valid JSON") from None
            self.send_json(200, self.app.complete(body))
        except _HTTPError as exc:
            self.send_error_json(exc.status, exc.message, exc.kind)
        finally:
            self.app.count_request()


class LMServer:
    """An OpenAI-compatible server over ``lm``. ``start()`` runs it on a background thread;
    ``serve_forever()`` blocks. ``port=0`` takes a free port (``url`` tells which)."""

    def __init__(
        self,
        lm: LM,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        model_name: str = "medfact-evaluator",
        max_batch: int = 8,
        batch_wait: float = 0.01,
        max_tokens_limit: int = 4096,
        default_max_tokens: int = 256,
        max_requests: int | None = None,
        api_key: str | None = None,
        request_timeout: float = 600.0,
        handler_class: type[ChatHandler] = ChatHandler,
    ) -> None:
        if not isinstance(max_batch, int) or max_batch < 1:
            raise ConfigError(f"serve: max_batch must be an integer >= 1; received {max_batch!r}")
        self.lm = lm
        self.host = host
        self.port = port
        self.model_name = model_name
        self.max_batch = max_batch
        self.batch_wait = batch_wait
        self.max_tokens_limit = max_tokens_limit
        self.default_max_tokens = default_max_tokens
        self.max_requests = max_requests
        self.api_key = api_key
        self.request_timeout = request_timeout
        self.handler_class = handler_class
        self.requests = 0
        self.batches: list[int] = []  # sizes of the generate calls made
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL for clients, ending in ``/v1``."""
        if self._httpd is None:
            return f"http://{self.host}:{self.port}/v1"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def bind(self) -> None:
        """Load the model and take the port (``url`` then names it); ``start`` and
        ``serve_forever`` do this themselves."""
        if self._httpd is not None:
            return
        loader = getattr(self.lm, "load", None)
        if callable(loader):
            loader()
        httpd = ThreadingHTTPServer((self.host, self.port), self.handler_class)
        httpd.daemon_threads = True
        httpd.app = self  # type: ignore[attr-defined]
        self._httpd = httpd
        worker = threading.Thread(target=self._work, name="medfact-serve-worker", daemon=True)
        worker.start()
        self._threads.append(worker)

    def start(self) -> LMServer:
        """Serve on a background thread; returns self (also a context manager)."""
        self.bind()
        thread = threading.Thread(
            target=self._httpd.serve_forever,  # type: ignore[union-attr]
            kwargs={"poll_interval": 0.05},
            name="medfact-serve",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()``, Ctrl-C or ``max_requests``."""
        self.bind()
        try:
            self._httpd.serve_forever(poll_interval=0.1)  # type: ignore[union-attr]
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self._stop.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            if threading.current_thread() not in self._threads:
                httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> LMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1
            done = self.max_requests is not None and self.requests >= self.max_requests
        if done:
            log.info("serve: %d requests served, stopping", self.requests)
            threading.Thread(target=self._shutdown_soon, daemon=True).start()

    def _shutdown_soon(self) -> None:
        time.sleep(0.05)  # let the last response leave
        httpd = self._httpd
        if httpd is not None:
            httpd.shutdown()

    # -- requests -------------------------------------------------------------------------------
    def models_payload(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": self.model_name, "object": "model", "owned_by": "medfact"}],
        }

    def complete(self, body: Any) -> dict[str, Any]:
        """One chat completion (queued for the batching worker)."""
        chat, settings = self._settings(body)
        job = _Job(chat, json.dumps(settings, sort_keys=True), settings)
        self._jobs.put(job)
        try:
            gen: Generation = job.future.result(timeout=self.request_timeout)
        except TimeoutError:
            raise _HTTPError(504, "generation timed out", "timeout") from None
        except Exception as exc:
            raise _HTTPError(500, f"generation failed: {exc}", "server_error") from None
        if not gen.ok:
            status = 400 if "limit" in (gen.error or "") else 500
            raise _HTTPError(status, gen.error or "generation failed", "server_error")
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": gen.text},
                    "finish_reason": gen.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": gen.prompt_tokens,
                "completion_tokens": gen.completion_tokens,
                "total_tokens": gen.total_tokens,
            },
        }

    def _settings(self, body: Any) -> tuple[list[dict[str, str]], dict[str, Any]]:
        if not isinstance(body, dict):
            raise _HTTPError(400, "the body must be a JSON object")
        if body.get("stream"):
            raise _HTTPError(400, "streaming is not supported")
        if body.get("n", 1) != 1:
            raise _HTTPError(400, "only n=1 is supported")
        model = body.get("model")
        if model is not None and model != self.model_name:
            raise _HTTPError(404, f"no model {model!r}; this server has {self.model_name!r}")
        try:
            chat = to_messages(body.get("messages"))
        except ConfigError as exc:
            raise _HTTPError(400, f"messages: {exc.message}") from None
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        max_tokens = self.default_max_tokens if max_tokens is None else max_tokens
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise _HTTPError(400, "max_tokens must be a positive integer")
        temperature = body.get("temperature", 0.0)
        if not isinstance(temperature, int | float) or temperature < 0:
            raise _HTTPError(400, "temperature must be a number >= 0")
        stop = body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else stop
        if not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop):
            raise _HTTPError(400, "stop must be a string or a list of strings")
        schema = None
        fmt = body.get("response_format") or {}
        kind = fmt.get("type", "text") if isinstance(fmt, dict) else None
        if kind == "json_schema":
            spec = fmt.get("json_schema") or {}
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if not isinstance(schema, dict):
                raise _HTTPError(400, "response_format json_schema needs json_schema.schema")
        elif kind == "json_object":
            schema = {"type": "object"}
        elif kind != "text":
            raise _HTTPError(400, f"response_format type {kind!r} is not supported")
        settings = {
            "max_new_tokens": min(max_tokens, self.max_tokens_limit),
            "temperature": float(temperature),
            "stop": stop,
            "json_schema": schema,
        }
        return chat, settings

    # -- the batching worker --------------------------------------------------------------------
    def _work(self) -> None:
        held: deque[_Job] = deque()
        while not self._stop.is_set():
            if held:
                first = held.popleft()
            else:
                try:
                    first = self._jobs.get(timeout=0.1)
                except queue.Empty:
                    continue
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            others: deque[_Job] = deque()
            for job in list(held):
                if len(batch) < self.max_batch and job.key == first.key:
                    batch.append(job)
                else:
                    others.append(job)
            held = others
            while len(batch) < self.max_batch:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    job = self._jobs.get(timeout=left)
                except queue.Empty:
                    break
                (batch if job.key == first.key else held).append(job)
            self._run(batch)

    def _run(self, batch: list[_Job]) -> None:
        settings = batch[0].settings
        try:
            gens = self.lm.generate([job.chat for job in batch], **settings)
        except Exception as exc:  # every waiting request gets the failure, none hangs
            log.exception("serve: generate failed for a batch of %d", len(batch))
            for job in batch:
                job.future.set_exception(exc)
            return
        self.batches.append(len(batch))
        for job, gen in zip(batch, gens, strict=True):
            job.future.set_result(gen)
