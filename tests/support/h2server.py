"""The tests' one HTTP/2 server: the TLS plumbing under the vendor mocks
(tests/mocks) and under the transport's test server (h2_test_server.py).

APNs and FCM speak HTTP/2 over TLS, negotiated with ALPN "h2". A mock that
fell back to HTTP/1.1 would hide a client that never negotiates HTTP/2, so
connections without "h2" are closed at once. The frame level is owned here
(with the sans-IO `h2` package) so that a mock decides what a real vendor
decides — SETTINGS_MAX_CONCURRENT_STREAMS, GOAWAY with debug data, dropping
a connection mid-request — while seeing only whole requests.

The stream limit is kept as RFC 9113 and nghttp2 keep it: the one in the
first SETTINGS frame holds at once; a lower one sent later (set_max_streams)
holds once the client has acknowledged it, and until then a stream over it
is refused (RST_STREAM REFUSED_STREAM, which clients retry). A stream over
the limit in force is a protocol error. Each connection counts both.

A mock is an object with these methods, all called on the event loop:

    initial_max_streams(conn) -> int   SETTINGS_MAX_CONCURRENT_STREAMS to
                                       advertise on a new connection
    connection_made(conn)
    handle(request)                    answer with request.connection.respond()
                                       (now or later), .goaway() or .drop()
    connection_lost(conn)
    protocol_error(conn, message)      the peer broke HTTP/2 (for example it
                                       opened more streams than advertised);
                                       the connection is being closed
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

MAX_HEADER_LIST_SIZE = 65536


@dataclass
class Request:
    """One complete HTTP/2 request: headers in wire order, and its body."""

    connection: "Connection"
    stream_id: int
    headers: list[tuple[str, str]]
    received_at: float = field(default_factory=time.time)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def method(self) -> str:
        return self.header(":method") or ""

    @property
    def path(self) -> str:
        return self.header(":path") or ""


class Connection(asyncio.Protocol):
    """One client connection: TLS + ALPN check, h2 state, flow-controlled replies."""

    _ids = itertools.count(1)

    def __init__(self, mock):
        self.mock = mock
        self.id = next(self._ids)
        self.transport: asyncio.Transport | None = None
        self.h2: h2.connection.H2Connection | None = None
        self.peer_certificate: dict | None = None
        self.alpn: str | None = None
        self.closed = False
        self.max_streams_advertised = 0
        self.open_streams: set[int] = set()
        self.max_open_streams_observed = 0
        self.pings_received = 0
        self.refused_streams = 0            # over a lower limit not yet acknowledged
        self.stream_limit_violations = 0    # over the limit in force
        self._unacknowledged_max_streams: int | None = None
        self._partial: dict[int, Request] = {}
        self._outbound: dict[int, bytearray] = {}

    # ---- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        ssl_object = transport.get_extra_info("ssl_object")
        self.alpn = ssl_object.selected_alpn_protocol() if ssl_object else None
        if self.alpn != "h2":
            self.closed = True
            transport.close()
            return
        self.peer_certificate = ssl_object.getpeercert() or None
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=config)
        self.max_streams_advertised = self.mock.initial_max_streams(self)
        self.h2.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.max_streams_advertised,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST_SIZE,
            },
        )
        self.h2.initiate_connection()
        self._flush()
        self.mock.connection_made(self)

    def data_received(self, data):
        if self.closed or self.h2 is None:
            return
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as error:
            if isinstance(error, h2.exceptions.TooManyStreamsError):
                self.stream_limit_violations += 1
            self._flush()
            self.mock.protocol_error(self, f"{type(error).__name__}: {error}")
            self._close()
            return
        for event in events:
            self._dispatch(event)
        self._flush()

    def connection_lost(self, exc):
        was_h2 = self.h2 is not None
        self.closed = True
        if was_h2:
            self.mock.connection_lost(self)

    # ---- what a mock may do ------------------------------------------------

    def respond(self, stream_id: int, status: int, headers: list[tuple[str, str]] = (), body: bytes = b""):
        """Answer a stream; a no-op if the stream or connection is gone."""
        if self.closed or stream_id not in self.open_streams:
            return
        self.open_streams.discard(stream_id)
        wire = [(":status", str(status)), *headers]
        if body:
            wire.append(("content-length", str(len(body))))
        self.h2.send_headers(stream_id, wire, end_stream=not body)
        if body:
            self._outbound[stream_id] = bytearray(body)
            self._pump()
        self._flush()

    def set_max_streams(self, value: int):
        """Advertise a new SETTINGS_MAX_CONCURRENT_STREAMS (applies once acknowledged)."""
        if self.closed:
            return
        self.max_streams_advertised = value
        self._unacknowledged_max_streams = value
        self.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: value})
        self._flush()

    def goaway(self, debug_data: bytes, last_stream_id: int, error_code=h2.errors.ErrorCodes.NO_ERROR):
        """Send GOAWAY with debug data, then close the connection."""
        if self.closed:
            return
        self.h2.close_connection(error_code=error_code, additional_data=debug_data, last_stream_id=last_stream_id)
        self._flush()
        self._close()

    def drop(self):
        """Close the TCP connection without another frame, as a crashed peer would."""
        self._close()

    # ---- internals ----------------------------------------------------------

    def _dispatch(self, event):
        if isinstance(event, h2.events.RequestReceived):
            pending = self._unacknowledged_max_streams
            if pending is not None and len(self.open_streams) >= pending:
                self.refused_streams += 1
                self.h2.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                return
            self._partial[event.stream_id] = Request(self, event.stream_id, list(event.headers))
            self.open_streams.add(event.stream_id)
            self.max_open_streams_observed = max(self.max_open_streams_observed, len(self.open_streams))
        elif isinstance(event, h2.events.DataReceived):
            request = self._partial.get(event.stream_id)
            if request is not None:
                request.body += event.data
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            request = self._partial.pop(event.stream_id, None)
            if request is not None:
                self.mock.handle(request)
        elif isinstance(event, h2.events.StreamReset):
            self._partial.pop(event.stream_id, None)
            self._outbound.pop(event.stream_id, None)
            self.open_streams.discard(event.stream_id)
        elif isinstance(event, h2.events.WindowUpdated):
            self._pump()
        elif isinstance(event, h2.events.SettingsAcknowledged):
            if h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS in event.changed_settings:
                self._unacknowledged_max_streams = None
        elif isinstance(event, h2.events.PingReceived):
            self.pings_received += 1
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._close()

    def _pump(self):
        """Send as much pending response data as flow control allows."""
        for stream_id in list(self._outbound):
            pending = self._outbound[stream_id]
            while pending:
                window = min(self.h2.local_flow_control_window(stream_id), self.h2.max_outbound_frame_size)
                if window <= 0:
                    break
                chunk, pending[:] = bytes(pending[:window]), pending[window:]
                self.h2.send_data(stream_id, chunk, end_stream=not pending)
            if not pending:
                del self._outbound[stream_id]

    def _flush(self):
        if self.h2 is not None and self.transport is not None and not self.transport.is_closing():
            data = self.h2.data_to_send()
            if data:
                self.transport.write(data)

    def _close(self):
        if not self.closed:
            self.closed = True
            self.transport.close()


def tls_context(cert_file: str, key_file: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A TLS 1.2+ server context offering only ALPN h2; with client_ca, client certificates are required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["h2"])
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


async def listen(mock, context: ssl.SSLContext, host: str, port: int) -> asyncio.Server:
    """Start accepting connections for a mock; returns the bound server."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: Connection(mock), host, port, ssl=context)
