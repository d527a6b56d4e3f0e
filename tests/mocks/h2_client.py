"""A small blocking HTTP/2 client that shows the frame level, for testing the mocks.

Ordinary clients (httpx) hide what the APNs rules are about: which
SETTINGS_MAX_CONCURRENT_STREAMS the server announced and when, the GOAWAY
frame and its debug data, a connection closed under an open stream. This
client keeps all of that visible, on one connection, so a test can assert it.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import h2.settings


class ConnectionClosed(Exception):
    """The server closed the connection before the awaited response."""


@dataclass
class Response:
    status: int = 0
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    complete: bool = False
    reset_code: int | None = None

    def json(self):
        return json.loads(self.body)


class H2Client:
    def __init__(self, host: str, port: int, ca: str, cert: str | None = None, key: str | None = None,
                 alpn: tuple[str, ...] = ("h2",), timeout: float = 5.0):
        context = ssl.create_default_context(cafile=str(ca))
        context.set_alpn_protocols(list(alpn))
        if cert:
            context.load_cert_chain(str(cert), str(key))
        self.timeout = timeout
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname=host)
        self.alpn = self.sock.selected_alpn_protocol()
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.responses: dict[int, Response] = {}
        self.max_streams_announced: list[int] = []   # every SETTINGS_MAX_CONCURRENT_STREAMS, in order
        self.goaway: h2.events.ConnectionTerminated | None = None
        self.closed = False
        self.h2.initiate_connection()
        self._flush()

    # ---- requests -----------------------------------------------------------

    def start(self, method: str, path: str, headers: list[tuple[str, str]] = (), body: bytes = b"",
              finish: bool = True) -> int:
        """Open a stream and send the request; finish=False leaves it open. Returns its stream id."""
        stream_id = self.h2.get_next_available_stream_id()
        wire = [(":method", method), (":scheme", "https"), (":authority", "127.0.0.1"), (":path", path),
                *headers]
        if body:
            wire.append(("content-length", str(len(body))))
        self.h2.send_headers(stream_id, wire, end_stream=finish and not body)
        if body:
            self.h2.send_data(stream_id, body, end_stream=finish)
        self.responses[stream_id] = Response()
        self._flush()
        return stream_id

    def response(self, stream_id: int) -> Response:
        """Wait for a stream's complete response; ConnectionClosed if the server closes first."""
        self.wait_for(lambda: self.responses[stream_id].complete or self.responses[stream_id].reset_code is not None)
        return self.responses[stream_id]

    def request(self, method: str, path: str, headers: list[tuple[str, str]] = (), body: bytes = b"") -> Response:
        return self.response(self.start(method, path, headers, body))

    # ---- the frame level ------------------------------------------------------

    @property
    def max_concurrent_streams(self) -> int:
        """The server's current SETTINGS_MAX_CONCURRENT_STREAMS, once its SETTINGS arrived."""
        self.wait_for(lambda: bool(self.max_streams_announced))
        return self.h2.remote_settings.max_concurrent_streams

    def ignore_stream_limit(self) -> None:
        """Misbehave on purpose: let this client open streams beyond the server's limit."""
        self.h2.remote_settings = h2.settings.Settings(
            client=False, initial_values={h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 2**31 - 1})

    def ping(self, payload: bytes = b"nudge-ok") -> None:
        self.h2.ping(payload)
        self._flush()

    def wait_for(self, condition, timeout: float | None = None) -> None:
        """Read and process frames until condition() is true."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not condition():
            if self.closed:
                raise ConnectionClosed("the server closed the connection")
            if time.monotonic() > deadline:
                raise TimeoutError("no such frame from the server in time")
            self._read(deadline - time.monotonic())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, timeout: float) -> None:
        self.sock.settimeout(max(timeout, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except (ConnectionError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
            return
        for event in self.h2.receive_data(data):
            self._on(event)
        self._flush()

    def _on(self, event) -> None:
        if isinstance(event, h2.events.ResponseReceived):
            response = self.responses[event.stream_id]
            response.status = int(dict(event.headers)[":status"])
            response.headers = {name: value for name, value in event.headers if not name.startswith(":")}
        elif isinstance(event, h2.events.DataReceived):
            self.responses[event.stream_id].body += event.data
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.responses[event.stream_id].complete = True
        elif isinstance(event, h2.events.StreamReset):
            self.responses[event.stream_id].reset_code = event.error_code
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            changed = event.changed_settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS)
            if changed is not None:
                self.max_streams_announced.append(changed.new_value)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event

    def _flush(self) -> None:
        data = self.h2.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True
