"""The local web server of ``verifier explore``: the page and its JSON API, on the standard
library's ``http.server``.

It listens on 127.0.0.1 only and serves three files of its own (``static/``: the page,
its script, and its style sheet, which includes the HTML report's so the timeline looks
the same) and a JSON API over one ``Session`` (docs/explore.md)::

    GET  /state            the page's document: state tables, actions, properties, path, timeline
    GET  /actions          the enabled transitions of the state at the cursor
    POST /step             {"id": n} or {"action": "Elect", "params": {"s": "S"}, "branch": 0}
    POST /back, /forward, /undo          {}
    POST /jump             {"step": k}
    POST /reset            {"initial": i}
    POST /load             {"name": "result.json", "text": "...", "property": "AtMostOneMaster"}

Every POST answers with the new ``/state`` document, an error with ``{"error": "..."}``
and status 400. What keeps another web page from driving it: a POST must be JSON
(``Content-Type: application/json``, which a cross-site form cannot send without a
preflight this server never approves), the ``Host`` must be this server's own address
(against DNS rebinding), and an ``Origin``, when sent, must be too. Every response
carries a Content-Security-Policy that allows only this server's own script and styles.
Requests are served one at a time (a lock around the session).
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from verifier.explore.session import LoadError, Session

__all__ = ["CSP", "ExploreServer"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
MAX_BODY = 50 * 1024 * 1024   # a loaded result.json of a long trace stays well below


def _static(name: str) -> bytes:
    return (resources.files("verifier.explore") / "static" / name).read_bytes()


def _assets() -> dict[str, tuple[str, bytes]]:
    from verifier.reports.html import CSS

    css = CSS.encode("utf-8") + _static("explore.css")
    return {"/": ("text/html; charset=utf-8", _static("index.html")),
            "/app.js": ("text/javascript; charset=utf-8", _static("app.js")),
            "/app.css": ("text/css; charset=utf-8", css)}


class ExploreServer:
    """The explorer's server; ``port`` 0 picks a free one. ``serve_forever`` blocks;
    ``shutdown`` (from another thread) stops it."""

    def __init__(self, session: Session, port: int = 0, host: str = "127.0.0.1") -> None:
        self.session = session
        self.lock = threading.Lock()
        self.assets = _assets()
        handler = _handler(self)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}"}

    def handle(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        """One API call: (status, JSON document)."""
        s = self.session
        with self.lock:
            try:
                if method == "GET" and path == "/state":
                    return 200, s.view()
                if method == "GET" and path == "/actions":
                    return 200, s.actions()
                if method != "POST":
                    return 404, {"error": f"no such page: {method} {path}"}
                b = body or {}
                offered: list[str] | None = None
                if path == "/step":
                    if "id" in b:
                        s.step(_int(b, "id"))
                    else:
                        params = b.get("params", {})
                        if not isinstance(b.get("action"), str) or not isinstance(params, dict):
                            raise LoadError('/step takes {"id": n} or {"action": "Name", "params": {...}}')
                        s.step_by_name(b["action"], params, _int(b, "branch", 0))
                elif path == "/back":
                    s.back()
                elif path == "/forward":
                    s.forward()
                elif path == "/undo":
                    s.undo()
                elif path == "/jump":
                    s.jump(_int(b, "step"))
                elif path == "/reset":
                    s.reset(_int(b, "initial", 0))
                elif path == "/load":
                    text, name, prop = b.get("text"), b.get("name", "trace"), b.get("property")
                    if not isinstance(text, str) or not isinstance(name, str) or not (
                            prop is None or isinstance(prop, str)):
                        raise LoadError('/load takes {"name": "...", "text": "...", "property": "..."}')
                    offered = s.load(text, name, prop)
                else:
                    return 404, {"error": f"no such call: POST {path}"}
                view = s.view()
                if offered is not None:
                    view["offered"] = offered
                return 200, view
            except LoadError as e:
                return 400, {"error": str(e)}


def _int(body: dict[str, Any], key: str, default: int | None = None) -> int:
    v = body.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool):
        raise LoadError(f"`{key}` must be a whole number")
    return v


def _handler(server: ExploreServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "verifier-explore"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the terminal shows only what the command prints

        def _send(self, status: int, ctype: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, doc: Any) -> None:
            self._send(status, "application/json; charset=utf-8",
                       json.dumps(doc, ensure_ascii=False).encode("utf-8"))

        def _trusted(self) -> bool:
            if self.headers.get("Host", "") not in server.allowed_hosts():
                self._json(HTTPStatus.FORBIDDEN, {"error": "this server answers only at its own address"})
                return False
            origin = self.headers.get("Origin")
            if origin is not None and origin.removeprefix("http://").rstrip("/") not in server.allowed_hosts():
                self._json(HTTPStatus.FORBIDDEN, {"error": "requests from other pages are refused"})
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802
            if not self._trusted():
                return
            path = self.path.split("?", 1)[0]
            if path in server.assets:
                ctype, data = server.assets[path]
                self._send(200, ctype, data)
                return
            status, doc = server.handle("GET", path, None)
            self._json(status, doc)

        def do_POST(self) -> None:  # noqa: N802
            if not self._trusted():
                return
            ctype = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if ctype != "application/json":
                self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON (application/json)"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "the request is too large"})
                return
            raw = self.rfile.read(length) if length else b"{}"
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"the request is not JSON: {e}"})
                return
            if not isinstance(body, dict):
                self._json(HTTPStatus.BAD_REQUEST, {"error": "the request must be a JSON object"})
                return
            status, doc = server.handle("POST", self.path.split("?", 1)[0], body)
            self._json(status, doc)

    return Handler
