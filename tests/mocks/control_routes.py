"""The control port plus vendor-specific routes, and the process shell that serves it.

Web Push subscriptions, WNS channels and UBports tokens are made by the
*receiving* side of a push service (a browser, a Windows app, a phone), which
the tests play. So those mocks need more on the control port than control.py
offers: `POST /subscriptions`, `POST /channels`, `POST /tokens`. This module
adds them by extending control.py's handler rather than changing it, and
offers a run() like runner.run() that starts this extended control port.

A mock with extra routes has control_routes() -> {("POST", "/path"): fn};
fn(document) returns the JSON reply, or raises ValueError (answered 400).
"""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

from tests.mocks import control
from tests.mocks import runner


def _handler_for(api):
    base = control._handler_for(api)

    class Handler(base):
        def do_GET(self):
            if not self._extra("GET"):
                super().do_GET()

        def do_POST(self):
            if not self._extra("POST"):
                super().do_POST()

        def _extra(self, method: str) -> bool:
            route = api.control_routes().get((method, self.path))
            if route is None:
                return False
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                document = json.loads(raw or b"{}")
                if not isinstance(document, dict):
                    raise ValueError(f"{method} {self.path} takes a JSON object")
                self._reply(200, route(document))
            except (ValueError, TypeError) as error:
                self._reply(400, {"error": str(error)})
            return True

    return Handler


def start_control(api, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Serve the extended control API in a daemon thread (see control.start_control)."""
    server = ThreadingHTTPServer((host, port), _handler_for(api))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="control",
                     daemon=True).start()
    return server


def run(mock, args, on_bound=None) -> None:
    """runner.run() with the extended control port: PORT/CONTROL lines, SIGTERM/SIGINT stop."""
    runner.run(mock, args, on_bound=on_bound, start_control=start_control)
