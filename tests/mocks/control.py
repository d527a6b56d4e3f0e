"""The control port: a plain HTTP/1.1 JSON API through which tests steer a mock.

The engine under test must not be able to tell it is talking to a mock, so
scripting and inspection go through a separate loopback port rather than
special headers on the vendor port. Served from a thread so that a test's
blocking call never stalls the mock's event loop.

Routes (bodies and replies are JSON):
    POST /script    a list of canned answers, appended to the queue
    GET  /script    the answers not used yet
    GET  /requests  every request received, with the answer given
    GET  /stats     counters
    POST /reset     forget requests, counters and the script

The mock passes an object with script(entries) (raising ValueError for a bad
entry), pending_script(), requests(), stats() and reset().
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _handler_for(api):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            routes = {"/requests": api.requests, "/stats": api.stats, "/script": api.pending_script}
            route = routes.get(self.path)
            if route is None:
                self._reply(404, {"error": f"no route GET {self.path}"})
            else:
                self._reply(200, route())

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path == "/reset":
                api.reset()
                self._reply(200, {"ok": True})
            elif self.path == "/script":
                try:
                    entries = json.loads(raw or b"null")
                    api.script(entries)
                except (ValueError, TypeError) as error:
                    self._reply(400, {"error": str(error)})
                    return
                self._reply(200, {"ok": True, "pending": len(api.pending_script())})
            else:
                self._reply(404, {"error": f"no route POST {self.path}"})

        def _reply(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            """Silent: the control port's chatter would bury the mock's own log."""

    return Handler


def start_control(api, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Serve the control API in a daemon thread; returns the server (its port is server_address[1])."""
    server = ThreadingHTTPServer((host, port), _handler_for(api))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="control",
                     daemon=True).start()
    return server
