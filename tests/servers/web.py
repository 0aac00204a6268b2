"""A small threaded web server on 127.0.0.1 for the net and URL-import tests and the benchmark.

Routes map a path (query string ignored unless given) to a ``Route``: a fixed answer
(status, headers, bytes), an optional delay, or a function of the request. It
answers HTTP/1.1 with keep-alive, counts hits per path, and can stream a body
without a length (to test the body cap) or drip it slowly (to test timeouts).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""


@dataclass
class Route:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gzip: bool = False
    handler: Callable[[Request], Answer] | None = None


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    hit: int  # 1 for the first request to this path


class WebServer:
    """``with WebServer() as s: s.add("/a", Route(body=b"...")); httpx.get(s.url("/a"))``."""

    def __init__(self, base: str = "", host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            def do_HEAD(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.base = f"http://{host}:{self.httpd.server_address[1]}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def add(self, path: str, route: Route | None = None, **kwargs: Any) -> WebServer:
        self.routes[path] = route or Route(**kwargs)
        return self

    def add_file(self, path: str, file: Path, content_type: str, substitute: bool = True) -> WebServer:
        """Serve a file; ``{{BASE}}`` in it becomes this server's base URL (so pages can hold absolute links)."""
        data = file.read_bytes()
        if substitute:
            data = data.replace(b"{{BASE}}", self.base.encode("ascii"))
        return self.add(path, Route(body=data, content_type=content_type))

    def _route_for(self, path: str, query: str) -> Route | None:
        if query and f"{path}?{query}" in self.routes:
            return self.routes[f"{path}?{query}"]
        return self.routes.get(path)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        with self._lock:
            self.hits[parts.path] += 1
            req = Request(h.command, parts.path, parts.query, {k.lower(): v for k, v in h.headers.items()}, self.hits[parts.path])
            self.requests.append(req)
        route = self._route_for(parts.path, parts.query)
        if route is None:
            answer = Answer(404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>")
        elif route.handler is not None:
            if route.delay:
                time.sleep(route.delay)
            answer = route.handler(req)
        else:
            if route.delay:
                time.sleep(route.delay)
            answer = Answer(route.status, {"Content-Type": route.content_type, **route.headers}, route.body)
            if route.gzip and isinstance(route.body, bytes):
                answer.body = gzip.compress(route.body)
                answer.headers["Content-Encoding"] = "gzip"
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._write(h, answer)

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, answer: Answer) -> None:
        h.send_response(answer.status)
        streamed = not isinstance(answer.body, bytes)
        for name, value in answer.headers.items():
            h.send_header(name, value)
        if streamed:
            h.send_header("Connection", "close")
            h.close_connection = True
        elif "Content-Length" not in answer.headers:
            h.send_header("Content-Length", str(len(answer.body)))  # type: ignore[arg-type]
        h.end_headers()
        if h.command == "HEAD":
            return
        if isinstance(answer.body, bytes):
            h.wfile.write(answer.body)
        else:
            for chunk in answer.body:
                h.wfile.write(chunk)
                h.wfile.flush()

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def json_route(obj: Any, content_type: str = "application/json", **kwargs: Any) -> Route:
    return Route(body=json.dumps(obj, ensure_ascii=False).encode("utf-8"), content_type=content_type, **kwargs)


def endless(chunk: bytes = b"x" * 65536, total: int | None = None) -> Iterator[bytes]:
    """A body of ``total`` bytes (or without end) in chunks: the body-cap test's 50 MB answer."""
    sent = 0
    while total is None or sent < total:
        yield chunk
        sent += len(chunk)


def drip(parts: Iterable[bytes], pause: float) -> Iterator[bytes]:
    """A body that arrives slowly: the read-timeout test."""
    for part in parts:
        time.sleep(pause)
        yield part
