"""A threaded local HTTP server speaking every vendor API under its own prefix.

    server = serve(data_dir, "127.0.0.1", 0, faults=FaultConfig(rate_limit=1, retry_after=0.1))
    server.url                  # http://127.0.0.1:PORT ; ZENDESK_BASE_URL = server.url + "/zendesk"
    server.set_faults(server_error=2)
    server.store.more("tickets", 5)        # new records for the next run
    server.stop()

Control endpoints (JSON): `GET|POST /_sandbox/faults`, `POST /_sandbox/reset`, `GET /_sandbox/stats`,
`POST /_sandbox/more {"table": "tickets", "n": 5}`, `POST /_sandbox/update {"table", "key", "changes"}`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.faults import FaultConfig, Faults
from sandbox.store import Store
from sandbox.vendors import ROUTES, VENDORS, Reply, Request, authorized, shopify_throttled

log = logging.getLogger("sandbox")
DEFAULT_PORT = 8765


@dataclass
class Stats:
    requests: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)


class _HttpServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A client that gave up (read timeout, stopped pull) closed the socket before the answer was written:
        # normal for a server, logged quietly instead of a traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s disconnected before the answer was written", client_address)
            return
        super().handle_error(request, client_address)


class SandboxServer:
    def __init__(self, store: Store, host: str, port: int, faults: FaultConfig | None = None) -> None:
        self.store = store
        self.faults = Faults(faults)
        self.state: dict[str, Any] = {}  # vendor state (Qualtrics jobs, switches such as qualtrics_polls)
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self.httpd = _HttpServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def vendor_url(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def set_faults(self, **changes: Any) -> FaultConfig:
        return self.faults.set(**changes)

    def reset_faults(self) -> None:
        self.faults.reset()

    def reset(self, store: Store | None = None) -> None:
        """Back to a clean state: no faults, no vendor state, zero stats, and new data when given."""
        if store is not None:
            self.store = store
        self.faults.reset()
        self.state.clear()
        with self._stats_lock:
            self.stats = Stats()

    def _count(self, vendor: str, status: int) -> None:
        with self._stats_lock:
            self.stats.requests[vendor] = self.stats.requests.get(vendor, 0) + 1
            key = f"{vendor}:{status}"
            self.stats.statuses[key] = self.stats.statuses.get(key, 0) + 1


def serve(
    data_dir: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    faults: FaultConfig | None = None,
    store: Store | None = None,
) -> SandboxServer:
    """Start the sandbox in a background thread and return it (port 0 picks a free port)."""
    return SandboxServer(store or Store.from_dir(data_dir), host, port, faults).start()


class _Handler(BaseHTTPRequestHandler):
    sandbox: SandboxServer
    protocol_version = "HTTP/1.1"
    server_version = "cfm-sandbox/0.1"
    # Headers and body go out as two writes on a kept-alive connection: with Nagle's algorithm on, the body
    # waits for the client's delayed ACK of the headers (~40 ms a request), far more than serving it costs.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:  # noqa: N802 (stdlib names)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    # -- plumbing
    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(Reply(400, {"error": "body is not JSON"}))
                return
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        segments = parts.path.split("/", 2)
        prefix = segments[1] if len(segments) > 1 else ""
        rest = "/" + segments[2] if len(segments) > 2 else "/"
        if prefix == "_sandbox":
            self._send(self._control(method, rest, body or {}))
            return
        if prefix not in VENDORS:
            self._send(Reply(404, {"error": f"no vendor {prefix!r}; try one of {list(VENDORS)}"}))
            return
        self._vendor(method, prefix, rest, query, body)

    def _vendor(self, method: str, vendor: str, path: str, query: dict, body: Any) -> None:
        sandbox = self.sandbox
        route = next(
            (
                (handler, m)
                for v, meth, pattern, handler in ROUTES
                if v == vendor and meth in ("*", method) and (m := pattern.fullmatch(path))
            ),
            None,
        )
        if route is None:
            self._send(Reply(404, {"error": f"{method} {vendor}{path} is not part of this API"}), vendor)
            return
        if not authorized(vendor, self.headers):
            self._send(Reply(401, {"error": "Couldn't authenticate you"}), vendor)
            return
        fault, delay = sandbox.faults.draw(vendor)
        if delay:
            time.sleep(delay)
        retry_after = sandbox.faults.config.retry_after
        if fault == "rate_limit":
            if vendor == "shopify":
                self._send(shopify_throttled(retry_after), vendor)
            else:
                self._send(
                    Reply(429, {"error": "Too Many Requests"}, {"Retry-After": _seconds(retry_after)}), vendor
                )
            return
        if fault == "server_error":
            self._send(Reply(500, {"error": "Internal Server Error"}), vendor)
            return
        handler, match = route
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method,
            vendor,
            path,
            query,
            body,
            f"http://{host}/{vendor}",
            sandbox.store,
            sandbox.faults,
            sandbox.state,
        )
        with sandbox.store.lock:
            reply = handler(request, match)
        self._send(reply, vendor, drop=fault == "drop")

    def _control(self, method: str, path: str, body: dict) -> Reply:
        sandbox = self.sandbox
        try:
            if path == "/faults":
                if method == "POST":
                    sandbox.set_faults(**body)
                return Reply(200, sandbox.faults.snapshot())
            if path == "/reset" and method == "POST":
                sandbox.reset_faults()
                return Reply(200, sandbox.faults.snapshot())
            if path == "/stats":
                counts = {name: len(rows) for name, rows in sandbox.store.tables.items()}
                return Reply(
                    200,
                    {
                        "requests": sandbox.stats.requests,
                        "statuses": sandbox.stats.statuses,
                        "records": counts,
                        "faults": sandbox.faults.snapshot(),
                    },
                )
            if path == "/more" and method == "POST":
                new = sandbox.store.more(body["table"], int(body.get("n", 1)))
                return Reply(200, {"added": len(new)})
            if path == "/update" and method == "POST":
                sandbox.store.update(body["table"], body["key"], **(body.get("changes") or {}))
                return Reply(200, {"updated": body["key"]})
        except (KeyError, TypeError, ValueError) as exc:
            return Reply(400, {"error": str(exc)})
        return Reply(404, {"error": f"unknown control endpoint {path}"})

    def _send(self, reply: Reply, vendor: str | None = None, drop: bool = False) -> None:
        if isinstance(reply.body, bytes | bytearray):
            payload = bytes(reply.body)
            content_type = reply.headers.get("Content-Type", "application/octet-stream")
        else:
            payload = json.dumps(reply.body, default=str).encode()
            content_type = "application/json; charset=utf-8"
        if vendor:
            self.sandbox._count(vendor, 0 if drop else reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        if drop:
            # The connection dies mid-body: the client holds a promise of N bytes and gets half.
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_headers()
        self.wfile.write(payload)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
