"""``medfact serve`` against hostile clients: malformed requests get JSON 4xx answers, every read
is bounded in time, the worker pool is bounded, the API key is compared in constant time.

Every test talks to 127.0.0.1 through raw sockets with timeouts and bounded loops; the model is
a fake backend (the malformed-request paths never reach it).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import pytest

from medfact.errors import ConfigError
from medfact.lm.base import Generation, to_messages
from medfact.lm.server import LMServer

IO_TIMEOUT = 5.0  # no socket in these tests waits longer than this


class EchoLM:
    """A fake backend: answers each chat with the length of its last message; counts calls."""

    name = "echo"

    def __init__(self) -> None:
        self.calls = 0

    def generate(
        self,
        prompts: Sequence[Any],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        json_schema: dict[str, Any] | None = None,
        stop: Sequence[str] | None = None,
    ) -> list[Generation]:
        self.calls += 1
        out = []
        for prompt in prompts:
            content = to_messages(prompt)[-1]["content"]
            out.append(Generation(f"{len(content)} chars", len(content), 2, 0.001))
        return out


@contextmanager
def serving(**params: Any) -> Iterator[LMServer]:
    lm = params.pop("lm", None) or EchoLM()
    with LMServer(lm, port=0, model_name="echo", batch_wait=0.0, **params) as srv:
        yield srv


def address(srv: LMServer) -> tuple[str, int]:
    host, port = srv._httpd.server_address[:2]  # type: ignore[union-attr]
    return host, port


def connect(srv: LMServer) -> socket.socket:
    sock = socket.create_connection(address(srv), timeout=IO_TIMEOUT)
    sock.settimeout(IO_TIMEOUT)
    return sock


def exchange(srv: LMServer, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Send raw bytes, read one response: (status, JSON body)."""
    with connect(srv) as sock:
        sock.sendall(raw)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, json.loads(resp.read() or b"{}")


def post(body: bytes, *headers: str, length: int | str | None = None) -> bytes:
    head = ["POST /v1/chat/completions HTTP/1.1", "Host: 127.0.0.1"]
    if length is not None:
        head.append(f"Content-Length: {length}")
    head.extend(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def post_json(payload: Any, *headers: str) -> bytes:
    body = json.dumps(payload).encode()
    return post(body, "Content-Type: application/json", *headers, length=len(body))


GOOD = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 4}


def test_a_valid_request_is_answered():
    with serving() as srv:
        status, body = exchange(srv, post_json(GOOD))
    assert status == 200
    assert body["choices"][0]["message"]["content"] == "5 chars"


@pytest.mark.parametrize(
    ("length", "status"),
    [
        ("-1", 400),
        ("-100", 400),
        ("abc", 400),
        ("+5", 400),
        ("1_0", 400),
        ("0x10", 400),
        ("1.5", 400),
        ("9" * 40, 400),
        ("", 400),
    ],
)
def test_malformed_content_length_is_400(length, status):
    with serving() as srv:
        got, body = exchange(srv, post(b'{"messages": []}', length=length))
        assert got == status, body
        assert "Content-Length" in body["error"]["message"]
        assert exchange(srv, post_json(GOOD))[0] == 200  # the server goes on


def test_missing_conflicting_chunked_and_oversized_lengths():
    with serving(max_body=1000) as srv:
        assert exchange(srv, post(b""))[0] == 411
        assert exchange(srv, post(b"{}", "Transfer-Encoding: chunked", length=2))[0] == 411
        assert exchange(srv, post(b"{}", "Content-Length: 3", length=2))[0] == 400
        status, body = exchange(srv, post(b"", length=2000))  # announced, never sent
        assert status == 413 and "1000 bytes" in body["error"]["message"]


def test_a_body_shorter_than_announced_times_out_with_408():
    with serving(read_timeout=0.3, request_read_timeout=1.0) as srv:
        start = time.monotonic()
        with connect(srv) as sock:
            sock.sendall(post(b'{"messages":', length=500))
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            assert resp.status == 408
            assert json.loads(resp.read())["error"]["type"] == "timeout"
        assert time.monotonic() - start < 3
        # a client that announces more and then closes its side gets a 400, not a hang
        with connect(srv) as sock:
            sock.sendall(post(b'{"messages":', length=500))
            sock.shutdown(socket.SHUT_WR)
            resp = http.client.HTTPResponse(sock)
            resp.begin()
            assert resp.status == 400
            assert "of the 500 bytes" in json.loads(resp.read())["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # nesting past the recursion limit
        b'{"messages": [], "max_tokens": ' + b"9" * 5000 + b"}",  # over int's digit limit
        b"   ",
    ],
)
def test_invalid_json_is_400(body):
    with serving() as srv:
        status, answer = exchange(srv, post(body, length=len(body)))
    assert status == 400
    assert answer["error"]["code"] == 400


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ([1, 2], "JSON object"),
        ({"messages": "not-a-list-of-messages", "max_tokens": "4"}, "max_tokens"),
        ({**GOOD, "max_tokens": True}, "max_tokens"),
        ({**GOOD, "max_tokens": -3}, "max_tokens"),
        ({**GOOD, "temperature": "hot"}, "temperature"),
        ({**GOOD, "temperature": True}, "temperature"),
        ({**GOOD, "temperature": -1}, "temperature"),
        ({**GOOD, "model": 5}, "model"),
        ({**GOOD, "n": "1"}, "n=1"),
        ({**GOOD, "n": 2}, "n=1"),
        ({**GOOD, "stop": [1]}, "stop"),
        ({**GOOD, "response_format": {"type": ["x"]}}, "response_format"),
        ({"messages": [{"role": "user", "content": 7}]}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages"),
        ({"messages": []}, "messages"),
    ],
)
def test_wrong_types_are_400(payload, words):
    with serving() as srv:
        status, body = exchange(srv, post_json(payload))
        assert status == 400, body
        assert words in body["error"]["message"]
        assert srv.lm.calls == 0  # nothing reached the model


def test_non_finite_temperature_and_lone_surrogates_are_400():
    with serving() as srv:
        body = b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}'
        assert exchange(srv, post(body, length=len(body)))[0] == 400
        body = b'{"messages": [{"role": "user", "content": "a \\ud800 b"}]}'
        status, answer = exchange(srv, post(body, length=len(body)))
        assert status == 400 and "Unicode" in answer["error"]["message"]
        assert srv.lm.calls == 0


def test_malformed_request_lines_and_expect_continue_get_json_errors():
    with serving() as srv:
        status, body = exchange(srv, b"GARBAGE\r\n\r\n")
        assert status == 400 and body["error"]["code"] == 400
        status, body = exchange(srv, b"BREW /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 501 and body["error"]["code"] == 501
        # an unacceptable length is refused before the client sends the body (no 100 Continue)
        status, body = exchange(srv, post(b"", "Expect: 100-continue", length=-5))
        assert status == 400 and "Content-Length" in body["error"]["message"]


def test_an_internal_error_is_a_500_without_a_traceback(caplog, capsys):
    with serving() as srv:

        def broken(body: Any) -> dict[str, Any]:
            raise KeyError("a bug")

        srv.complete = broken  # type: ignore[method-assign]
        status, body = exchange(srv, post_json(GOOD))
        assert status == 500 and body["error"]["type"] == "server_error"
        assert exchange(srv, post_json(GOOD))[0] == 500  # and the server goes on
    assert "Traceback" not in capsys.readouterr().err
    assert any("KeyError" in r.getMessage() for r in caplog.records)


def test_a_silent_connection_is_closed_after_the_read_timeout():
    with serving(read_timeout=0.3, request_read_timeout=5.0) as srv:
        start = time.monotonic()
        with connect(srv) as sock:
            assert sock.recv(1024) == b""  # closed by the server, nothing sent
        assert time.monotonic() - start < 3


def test_a_slow_trickle_of_headers_is_cut_at_the_request_deadline():
    """Each byte arrives within the idle timeout; the whole request must still come in time."""
    with serving(read_timeout=0.5, request_read_timeout=1.0) as srv:
        raw = post_json(GOOD)
        start = time.monotonic()
        closed = False
        with connect(srv) as sock:
            for i in range(len(raw)):  # bounded: at most one pass over the request
                try:
                    sock.sendall(raw[i : i + 1])
                except OSError:
                    closed = True
                    break
                time.sleep(0.05)
                if time.monotonic() - start > 1.5:
                    sock.settimeout(2.0)
                    try:
                        closed = sock.recv(1024) == b""
                    except OSError:
                        closed = True
                    break
        assert closed
        assert time.monotonic() - start < 4


def test_half_open_connections_leave_the_thread_count_bounded():
    workers, backlog = 4, 4
    with serving(workers=workers, backlog=backlog, read_timeout=5.0) as srv:
        before = threading.active_count()
        socks = [connect(srv) for _ in range(200)]  # each sends nothing
        try:
            assert threading.active_count() <= before + workers
            busy = 0
            for sock in socks[workers + backlog :]:
                sock.settimeout(IO_TIMEOUT)
                data = sock.recv(4096)
                busy += data.startswith(b"HTTP/1.1 503")
            assert busy == 200 - workers - backlog  # refused at once, no thread each
            assert threading.active_count() <= before + workers
        finally:
            for sock in socks:
                sock.close()
        # the pool frees up once the clients are gone: a new request is served (bounded wait)
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            status, _ = exchange(srv, post_json(GOOD))
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert status == 200


def test_stop_ends_open_connections_promptly():
    srv = LMServer(EchoLM(), port=0, model_name="echo", read_timeout=30.0).start()
    socks = [connect(srv) for _ in range(5)]
    try:
        start = time.monotonic()
        srv.stop()
        assert time.monotonic() - start < 3
        for sock in socks:  # closed (or reset, when stop came before the accept), not hung
            with suppress(ConnectionResetError):
                assert sock.recv(1024) == b""
    finally:
        for sock in socks:
            sock.close()


def test_the_api_key_is_compared_in_constant_time(monkeypatch):
    import medfact.lm.server as server_module

    compared = []
    real = server_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(server_module.hmac, "compare_digest", spy)
    with serving(api_key="s3cret") as srv:
        assert exchange(srv, post_json(GOOD, "Authorization: Bearer s3cret"))[0] == 200
        assert exchange(srv, post_json(GOOD, "Authorization: Bearer s3cres"))[0] == 401
        assert exchange(srv, post_json(GOOD))[0] == 401
        # bytes that are not ASCII in the header: refused, not a crash
        raw = post_json(GOOD).replace(b"\r\n\r\n", b"\r\nAuthorization: Bearer \xe9\xff\r\n\r\n", 1)
        assert exchange(srv, raw)[0] == 401
        get = b"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n"
        assert exchange(srv, get)[0] == 200
    assert len(compared) == 5 and all(b == b"Bearer s3cret" for _, b in compared)


@pytest.mark.parametrize(
    "params",
    [
        {"workers": 0},
        {"backlog": -1},
        {"read_timeout": 0},
        {"request_read_timeout": float("inf")},
        {"max_body": True},
    ],
)
def test_bad_server_parameters_are_config_errors(params):
    with pytest.raises(ConfigError, match=next(iter(params))):
        LMServer(EchoLM(), port=0, **params)
