"""A minimal OpenAI-compatible server over any medfact LM backend (``medfact serve``).

``POST /v1/chat/completions`` (non-streaming, ``n=1``; ``max_tokens`` or
``max_completion_tokens``, ``temperature``, ``stop``, ``response_format`` of type ``text``,
``json_object`` or ``json_schema``), ``GET /v1/models`` and ``GET /health``. It binds
127.0.0.1 by default. Requests that arrive together are generated together: a single worker
thread takes up to ``max_batch`` waiting requests with the same generation settings (waiting
``batch_wait`` seconds for more) and makes one batched ``generate`` call, so concurrent clients
share the model's batch. With ``api_key`` set, requests must carry ``Authorization: Bearer KEY``
(compared in constant time). Request bodies are never logged.

Hostile clients are bounded: connections are served by a fixed pool of ``workers`` threads with
at most ``backlog`` more waiting (any beyond get 503 at once); every read has a socket timeout
(``read_timeout``) and a whole request, headers and body, must arrive within
``request_read_timeout`` (else 408, or the connection is closed); a malformed request gets a
JSON 4xx (a bad, negative or repeated Content-Length 400, a missing one 411, a body over
``max_body`` bytes 413, a body shorter than announced 400 or 408, invalid JSON or wrong types
400), never a traceback.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import logging
import math
import queue
import re
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from medfact.errors import ConfigError
from medfact.lm.base import LM, Generation, to_messages

log = logging.getLogger("medfact")

MAX_BODY = 16 * 1024 * 1024
_LENGTH = re.compile(r"[0-9]{1,19}")  # decimal digits only: no sign, no "_", no spaces inside
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Connection: close\r\nRetry-After: 1\r\nContent-Length: %d\r\n\r\n%s"
)


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


class _DeadlineReader(io.RawIOBase):
    """A socket's reading side with two limits: each ``recv`` waits at most ``idle`` seconds,
    and nothing is read past ``deadline`` (``time.monotonic()``): both raise TimeoutError."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__()
        self.sock, self.idle = sock, idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wait = self.idle
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request took too long to arrive")
            wait = min(wait, left)
        self.sock.settimeout(wait)
        return self.sock.recv_into(buffer)


def _error_body(status: int, message: str, kind: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "code": status}}).encode()


class ChatHandler(BaseHTTPRequestHandler):
    """Routes requests to the :class:`LMServer` (``self.server.app``). Subclass to add faults
    in tests, or routes."""

    server_version = "medfact-lm"
    protocol_version = "HTTP/1.1"

    @property
    def app(self) -> LMServer:
        return self.server.app  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self._reader = _DeadlineReader(self.connection, self.app.read_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # the request line, headers and body of one request arrive within one deadline; an idle
        # keep-alive connection is closed by the same rule
        self._reader.deadline = time.monotonic() + self.app.request_read_timeout
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("serve: " + format, *args)

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.connection.settimeout(self.app.read_timeout)  # a client that never reads
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status: int, message: str, kind: str = "invalid_request_error"):
        # the request body may be unread: close rather than parse it as the next request
        self.close_connection = True
        self.send_json(status, {"error": {"message": message, "type": kind, "code": status}})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        """The standard library's own rejections (bad request line, headers too long or too
        many, unknown method) as JSON errors."""
        short = self.responses.get(code, ("error", ""))[0]
        text = short if message is None else f"{short}: {message}"
        self.log_error("code %d, message %s", code, short)
        self.close_connection = True
        if getattr(self, "request_version", "") in ("", "HTTP/0.9"):
            self.request_version = "HTTP/1.0"  # unparsed: answer with a status line anyway
        self.send_json(
            code, {"error": {"message": text, "type": "invalid_request_error", "code": code}}
        )

    def handle_expect_100(self) -> bool:
        # refuse before the client sends a body we would not read
        if self.command == "POST":
            try:
                self.content_length()
            except _HTTPError as exc:
                self.send_error_json(exc.status, exc.message, exc.kind)
                return False
        return super().handle_expect_100()

    def _authorized(self) -> bool:
        key = self.app.api_key
        if not key:
            return True
        # header values arrive decoded as latin-1: encoding them back gives the bytes sent
        sent = self.headers.get("Authorization", "").encode("latin-1", "replace")
        if hmac.compare_digest(sent, f"Bearer {key}".encode()):
            return True
        self.send_error_json(401, "missing or wrong API key", "authentication_error")
        return False

    def content_length(self) -> int:
        """The body's announced length, checked: 400 when malformed, negative or repeated with
        different values, 411 when absent (or chunked), 413 over the server's ``max_body``."""
        if self.headers.get("Transfer-Encoding"):
            raise _HTTPError(411, "chunked bodies are not supported: send a Content-Length")
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            raise _HTTPError(411, "a Content-Length header is required")
        if len(values) > 1:
            raise _HTTPError(400, "conflicting Content-Length headers")
        value = values.pop()
        if not _LENGTH.fullmatch(value):
            raise _HTTPError(
                400, f"Content-Length must be a non-negative integer; got {value!r}"[:120]
            )
        length = int(value)
        if length > self.app.max_body:
            raise _HTTPError(413, f"the body is over {self.app.max_body} bytes")
        return length

    def read_json_body(self) -> Any:
        """The request body parsed as JSON (400 when it is not, 408 when it does not arrive)."""
        length = self.content_length()
        try:
            raw = self.rfile.read(length)
        except TimeoutError:
            raise _HTTPError(
                408,
                "the body did not arrive in time (shorter than its Content-Length?)",
                "timeout",
            ) from None
        if len(raw) < length:
            raise _HTTPError(400, f"the body has {len(raw)} of the {length} bytes announced")
        if not raw.strip():
            raise _HTTPError(400, "the body is empty")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # bad JSON or UTF-8, huge numbers, deep nesting
            raise _HTTPError(400, "the body is not valid JSON") from None

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.headers.get("Content-Length") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # a body is never read here: not the next request
        if not self._authorized():
            return
        path = self.path.split("?")[0].rstrip("/")
        if path == "/health":
            self.send_json(200, {"status": "ok"})
        elif path in ("/v1/models", "/models"):
            self.send_json(200, self.app.models_payload())
        else:
            self.send_error_json(404, f"no route {self.path[:200]}", "not_found")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        if not self._authorized():
            return
        path = self.path.split("?")[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self.send_error_json(404, f"no route {self.path[:200]}", "not_found")
            return
        try:
            body = self.read_json_body()
            self.send_json(200, self.app.complete(body))
        except _HTTPError as exc:
            self.send_error_json(exc.status, exc.message, exc.kind)
        except (TimeoutError, OSError):
            raise  # the connection is gone: nothing to answer
        except Exception as exc:  # one request's bug is that request's 500, never a traceback
            log.error("serve: internal error on a request: %s", type(exc).__name__)
            log.debug("serve: internal error", exc_info=True)
            self.send_error_json(500, "internal server error", "server_error")
        finally:
            self.app.count_request()


class _PooledHTTPServer(HTTPServer):
    """An HTTP server whose connections run on a fixed pool of threads. At most ``workers``
    connections are served at once and ``backlog`` more wait; any beyond get a 503 at once
    (no thread, no read). ``close_connections`` ends every open connection (on stop)."""

    request_queue_size = 128  # the listen backlog: a burst of connects is accepted, not dropped

    def __init__(self, address: tuple[str, int], handler: type, workers: int, backlog: int):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="medfact-serve-conn")
        self._slots = threading.BoundedSemaphore(workers + backlog)
        self._open: dict[socket.socket, Future | None] = {}
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        with self._open_lock:
            self._open[request] = None
            try:
                self._open[request] = self._pool.submit(self._serve, request, client_address)
                return
            except RuntimeError:  # the pool is shut down: the server is stopping
                del self._open[request]
        self._slots.release()
        self.shutdown_request(request)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self._release(request)
            self.shutdown_request(request)

    def _release(self, request: Any) -> None:
        with self._open_lock:
            self._open.pop(request, None)
        self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        body = _error_body(503, "the server is busy: retry later", "server_busy")
        try:
            request.settimeout(0.5)
            request.sendall(_BUSY % (len(body), body))
            request.setblocking(False)
            request.recv(65536)  # what already arrived: closing over unread bytes resets
        except OSError:
            pass
        log.debug("serve: a connection refused with 503 (all workers busy)")
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that ended in an exception: logged, never printed."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):  # a reset, broken or timed-out connection is routine
            log.error("serve: internal error on a connection: %s", type(exc).__name__)
        log.debug("serve: a connection ended with an error", exc_info=True)

    def close_connections(self) -> None:
        """Stop taking work and end every open connection: waiting ones are closed, served
        ones are shut down (their reads return at once and their threads finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._open_lock:
            open_now = list(self._open.items())
        for sock, future in open_now:
            if future is not None and future.cancelled():
                with self._open_lock:
                    self._open.pop(sock, None)
                self.shutdown_request(sock)
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


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
        workers: int = 32,
        backlog: int = 64,
        read_timeout: float = 10.0,
        request_read_timeout: float = 60.0,
        max_body: int = MAX_BODY,
    ) -> None:
        for name, value in (
            ("max_batch", max_batch),
            ("workers", workers),
            ("max_body", max_body),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"serve: {name} must be an integer >= 1; received {value!r}")
        if not isinstance(backlog, int) or isinstance(backlog, bool) or backlog < 0:
            raise ConfigError(f"serve: backlog must be an integer >= 0; received {backlog!r}")
        for name, value in (
            ("read_timeout", read_timeout),
            ("request_read_timeout", request_read_timeout),
        ):
            if not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ConfigError(
                    f"serve: {name} must be a number of seconds > 0; received {value!r}"
                )
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
        self.workers = workers
        self.backlog = backlog
        self.read_timeout = float(read_timeout)
        self.request_read_timeout = float(request_read_timeout)
        self.max_body = max_body
        self.requests = 0
        self.batches: list[int] = []  # sizes of the generate calls made
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._httpd: _PooledHTTPServer | None = None
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
        httpd = _PooledHTTPServer(
            (self.host, self.port), self.handler_class, self.workers, self.backlog
        )
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
            httpd.close_connections()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
        self._threads = []
        self._fail_waiting()

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
        if self._stop.is_set():
            raise _HTTPError(503, "the server is stopping", "server_busy")
        job = _Job(chat, json.dumps(settings, sort_keys=True), settings)
        self._jobs.put(job)
        if self._stop.is_set():  # stopped while this was queued: the worker may be gone
            self._fail_waiting()
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
        n = body.get("n", 1)
        if n is not None and (type(n) is not int or n != 1):
            raise _HTTPError(400, "only n=1 is supported")
        model = body.get("model")
        if model is not None and not isinstance(model, str):
            raise _HTTPError(400, "model must be a string")
        if model is not None and model != self.model_name:
            raise _HTTPError(404, f"no model {model!r}; this server has {self.model_name!r}")
        try:
            chat = to_messages(body.get("messages"))
        except ConfigError as exc:
            raise _HTTPError(400, f"messages: {exc.message}") from None
        for i, message in enumerate(chat):
            try:
                message["content"].encode("utf-8")
            except UnicodeEncodeError:
                raise _HTTPError(400, f"messages[{i}].content is not valid Unicode") from None
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        max_tokens = self.default_max_tokens if max_tokens is None else max_tokens
        if type(max_tokens) is not int or max_tokens < 1:
            raise _HTTPError(400, "max_tokens must be a positive integer")
        temperature = body.get("temperature", 0.0)
        temperature = 0.0 if temperature is None else temperature
        if (
            not isinstance(temperature, int | float)
            or isinstance(temperature, bool)
            or not 0 <= temperature < math.inf
        ):
            raise _HTTPError(400, "temperature must be a finite number >= 0")
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
        self._fail_waiting(held)

    def _fail_waiting(self, held: Iterable[_Job] = ()) -> None:
        """Every job still waiting for the stopped worker gets an error, so no request (and no
        connection thread the interpreter joins at exit) waits for it."""
        waiting = list(held)
        while True:
            try:
                waiting.append(self._jobs.get_nowait())
            except queue.Empty:
                break
        for job in waiting:
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server stopped"))

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
