"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

Chat completions (POST) are answered from a queue (`server.script(...)`), or from a
`responder` function when the queue is empty; with neither, the server answers 500 so a test
that under-scripts fails loudly. `GET /v1/models` lists `server.models`; any other path is
answered from `server.pages` (path -> Reply, GET or POST: a llama.cpp `/props`, an Ollama
`/api/show`, ...), and a GET of a path nobody scripted is a 500 too. Every request is recorded
(`server.requests`, with its method) so tests can assert on the prompt, the tool schema, the
re-ask text, the headers and the paths probed.

`answer(data)` adapts to the request's mode: a forced tool call when the request carries
`tools`, else a JSON message (optionally fenced). `budgeted(data)` is a responder that does the
same like an honest server with a token budget: an answer longer than the request's
`max_tokens` is cut there and says `finish_reason: length`.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.scripted_batches import BatchDesk


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None  # dict -> JSON; str -> raw text; callable(request) -> dict
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    close: bool = False  # drop the connection mid-response
    drip: float = 0.0  # seconds between the bytes of the body (a server that trickles)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    method: str = "POST"

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    def text(self) -> str:
        """Every message content of the request, joined."""
        parts = []
        for m in self.messages:
            content = m.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        return "\n".join(parts)


def completion(
    request: dict[str, Any],
    *,
    content: str | None = None,
    arguments: str | None = None,
    finish_reason: str | None = None,
    usage: dict[str, int] | None = None,
    with_usage: bool = True,
) -> dict[str, Any]:
    """A chat.completion object answering `request`."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if arguments is not None:
        tools = request.get("tools") or [{}]
        name = tools[0].get("function", {}).get("name", "ExtractionDraft")
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if arguments else "stop"),
            }
        ],
    }
    if with_usage:
        body["usage"] = usage or counted_usage(request, content or arguments or "")
    return body


def counted_usage(request: dict[str, Any], answer: str) -> dict[str, int]:
    """Token counts like a real server's: about four characters a token."""
    sent = json.dumps(request.get("messages", []), ensure_ascii=False)
    prompt, done = max(1, len(sent) // 4), max(1, len(answer) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def answer(
    data: Any,
    *,
    fenced: bool = False,
    with_usage: bool = True,
    finish_reason: str | None = None,
    usage: dict[str, int] | None = None,
) -> Reply:
    """A reply carrying `data` in whatever form the request's mode expects."""
    text = json.dumps(data) if not isinstance(data, str) else data
    shape = {"with_usage": with_usage, "finish_reason": finish_reason, "usage": usage}

    def build(request: dict[str, Any]) -> dict[str, Any]:
        if request.get("tools"):
            return completion(request, arguments=text, **shape)  # type: ignore[arg-type]
        content = f"Here is the extraction:\n```json\n{text}\n```" if fenced else text
        return completion(request, content=content, **shape)  # type: ignore[arg-type]

    return Reply(body=build)


CHARS_PER_TOKEN = 4  # the scripted server's tokenizer


def budgeted(data: Any) -> Callable[[dict[str, Any]], Reply]:
    """A responder answering `data` in the request's mode, like an honest server: a tool call
    when the request carries `tools`, JSON content when it asks for a `response_format`, else
    fenced JSON in prose; usage counts 4 characters a token, and an answer longer than the
    request's `max_tokens` is cut there with `finish_reason: length`."""
    full = json.dumps(data)

    def respond(request: dict[str, Any]) -> Reply:
        plain = not request.get("tools") and not request.get("response_format")
        text = f"Here it is:\n```json\n{full}\n```" if plain else full
        tokens = math.ceil(len(text) / CHARS_PER_TOKEN)
        budget = request.get("max_tokens") or tokens
        cut = tokens > budget
        if cut:
            text, tokens = text[: budget * CHARS_PER_TOKEN], budget
        prompt = math.ceil(len(json.dumps(request.get("messages", []))) / CHARS_PER_TOKEN)
        usage = {"prompt_tokens": prompt, "completion_tokens": tokens}
        usage["total_tokens"] = prompt + tokens
        finish = "length" if cut else None

        def build(req: dict[str, Any]) -> dict[str, Any]:
            if req.get("tools"):
                return completion(req, arguments=text, finish_reason=finish, usage=usage)
            return completion(req, content=text, finish_reason=finish, usage=usage)

        return Reply(body=build)

    return respond


def prose(text: str) -> Reply:
    """A plain-text answer with no tool call and no JSON (e.g. a refusal)."""
    return Reply(body=lambda request: completion(request, content=text))


def error(status: int, message: str = "error", headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "test_error", "code": None}},
        headers=headers or {},
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of new connections (a batch opening
    # 16 at once) would overflow it and wait for SYN retransmits, which no real endpoint does
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout test) is expected; stay quiet about it."""
        return


class ScriptedServer:
    """The scripted server. Use as a context manager, or start()/stop()."""

    def __init__(self) -> None:
        self.queue: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.models: list[dict[str, Any]] = [{"id": "test-model", "object": "model"}]
        self.pages: dict[str, Reply] = {}  # path -> reply, for anything but chat completions
        self.latency = 0.0
        self.batches = BatchDesk(self)  # the files and batches endpoints
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def next_reply(self, request: dict[str, Any]) -> Reply:
        """The reply to a chat completion: queued, else the responder's, else a loud 500."""
        return self._next(request)

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            return self.responder(request)
        return error(500, "the test script is exhausted: no reply queued")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out as two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive reply
            disable_nagle_algorithm = True

            def log_message(self, *_: Any) -> None:  # keep test output clean
                return

            def do_GET(self) -> None:
                if server.batches.handles(self.path):
                    self._desk(b"")
                    return
                self._record("GET", {})
                page = server.pages.get(self.path)
                if page is not None:
                    self._answer(page, {})
                elif self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": server.models}, {})
                else:
                    self._answer(error(500, f"nothing scripted for GET {self.path}"), {})

            def _desk(self, raw: bytes) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload, kind = server.batches.handle(self.command, self.path, headers, raw)
                self._send(status, payload, {"content-type": kind})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                if server.batches.handles(self.path):
                    self._desk(raw)
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                self._record("POST", body)
                page = server.pages.get(self.path)
                if page is not None:
                    self._answer(page, body)
                elif self.path.endswith("/chat/completions"):
                    self._answer(server._next(body), body)
                else:
                    self._answer(error(500, f"nothing scripted for POST {self.path}"), body)

            def _record(self, method: str, body: dict[str, Any]) -> None:
                headers = dict(self.headers.items())
                with server._lock:
                    server.requests.append(
                        Recorded(self.path, headers, body, time.monotonic(), method)
                    )

            def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
                if server.latency or reply.delay:
                    time.sleep(server.latency + reply.delay)
                if reply.close:
                    self._drop()
                    return
                payload = reply.body(body) if callable(reply.body) else reply.body
                self._send(reply.status, payload, reply.headers, reply.drip)

            def _drop(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", "1000")
                self.end_headers()
                self.wfile.write(b'{"id": "chatcmpl-')
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def _send(
                self, status: int, payload: Any, headers: dict[str, str], drip: float = 0.0
            ) -> None:
                if isinstance(payload, bytes):
                    data = payload
                elif isinstance(payload, str):
                    data = payload.encode("utf-8")
                else:
                    data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                headers = {"content-type": "application/json", **headers}
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if not drip:
                    self.wfile.write(data)
                    return
                try:
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(drip)
                except OSError:  # the client gave up: that is what the test wants to see
                    self.close_connection = True

        return Handler


def closed_port() -> int:
    """A local port with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
