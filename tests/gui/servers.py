"""A tiny local web server for the GUI tests: article pages, optionally slow, on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE_HTML = """<!doctype html>
<html><head>
<title>{title}</title>
<meta name="citation_title" content="{title}">
<meta name="citation_author" content="Sergeev, Evgeny">
<meta name="citation_author" content="Smith, Jane">
<meta name="citation_journal_title" content="Journal of Slow Science">
<meta name="citation_publication_date" content="2021/04/05">
<meta name="citation_volume" content="9">
<meta name="citation_issn" content="2076-7404">
<meta name="citation_doi" content="{doi}">
<meta name="citation_abstract" content="We measured how long a page takes to load.">
</head><body><h1>{title}</h1></body></html>
"""


class PageServer:
    """Serves ``/article/<n>`` (and ``/slow/<n>`` after ``delay`` seconds); counts requests."""

    def __init__(self, delay: float = 2.0) -> None:
        self.delay = delay
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path.startswith("/slow/"):
                    time.sleep(server.delay)
                n = self.path.rstrip("/").rsplit("/", 1)[-1]
                body = ARTICLE_HTML.format(title=f"Waiting for page {n}", doi=f"10.5555/slow.{n}").encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[PageServer]:
        thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
