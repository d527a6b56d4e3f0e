#!/usr/bin/env python3
"""A small HTTP/2 + TLS server on loopback, for the transport's tests and,
later, as the base of the vendor mocks.

It is deliberately strict, like the real vendors: it speaks only h2 (ALPN)
and advertises SETTINGS_MAX_CONCURRENT_STREAMS from --max-streams. As RFC
9113 and nghttp2 do, a stream over the limit before the client has
acknowledged that SETTINGS frame is refused (RST_STREAM REFUSED_STREAM, which
clients retry); after the acknowledgement it is a protocol error (GOAWAY),
counted in /stats as a violation, so a test sees a client that ignores the
limit.

Routes:
  GET  /stats          counters as JSON (connections, streams, pings, ...)
  POST /echo           200, {"headers": {...}, "body": "<latin-1 str>"}
  ANY  /status/<code>  that status, with "retry-after: 3"
  ANY  /slow/<ms>      200 after <ms> milliseconds
  ANY  /redirect       302 with "location: /echo"
  ANY  /goaway         200, then GOAWAY and the connection closes
  ANY  /bytes/<n>      200 with a body of <n> bytes
The first line on stdout is "PORT <n>"; nothing else is printed there.
"""

import argparse
import asyncio
import json
import ssl
import sys

import h2.config
import h2.errors
import h2.connection
import h2.events
import h2.exceptions
import h2.settings


class Stats:
    """What the tests ask about at GET /stats."""

    def __init__(self):
        self.connections = 0          # accepted TLS connections, ever
        self.active_connections = 0   # open right now
        self.streams = 0              # request streams, ever (GET /stats included)
        self.max_open_streams = 0     # most streams open at once on one connection
        self.stream_limit_violations = 0  # streams over the acknowledged limit
        self.refused_streams = 0      # streams over the limit before the client acknowledged it
        self.pings = 0                # PING frames received from clients
        self.goaways = 0              # GOAWAY frames sent by /goaway

    def as_json(self):
        return json.dumps(self.__dict__, sort_keys=True)


class Stream:
    def __init__(self, headers):
        self.headers = headers
        self.body = bytearray()
        self.window_open = asyncio.Event()
        self.reset = False


class H2Protocol(asyncio.Protocol):
    def __init__(self, stats, max_streams):
        self.stats = stats
        self.max_streams = max_streams
        self.transport = None
        self.conn = None
        self.streams = {}
        self.closing_after_goaway = False
        self.limit_acknowledged = False

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.stats.connections += 1
        self.stats.active_connections += 1
        config = h2.config.H2Configuration(client_side=False, header_encoding="latin-1")
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        # Sent right after the preface; h2 enforces it (as a connection
        # error) once the client has acknowledged it.
        self.conn.update_settings({
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.max_streams,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 65536,
        })
        self.flush()

    def connection_lost(self, exc):
        self.stats.active_connections -= 1
        for stream in self.streams.values():
            stream.reset = True
            stream.window_open.set()
        self.streams.clear()

    def data_received(self, data):
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.TooManyStreamsError:
            self.stats.stream_limit_violations += 1
            self.flush()
            self.transport.close()
            return
        except h2.exceptions.ProtocolError:
            self.flush()
            self.transport.close()
            return
        for event in events:
            self.handle_event(event)
        self.flush()

    # -- HTTP/2 events ----------------------------------------------------

    def handle_event(self, event):
        if isinstance(event, h2.events.RequestReceived):
            if not self.limit_acknowledged and self.conn.open_inbound_streams > self.max_streams:
                self.stats.refused_streams += 1
                self.conn.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                return
            self.stats.streams += 1
            self.streams[event.stream_id] = Stream(event.headers)
            self.stats.max_open_streams = max(self.stats.max_open_streams, self.conn.open_inbound_streams)
        elif isinstance(event, h2.events.DataReceived):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.body += event.data
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            if event.stream_id in self.streams:
                asyncio.get_running_loop().create_task(self.respond(event.stream_id))
        elif isinstance(event, h2.events.StreamReset):
            stream = self.streams.pop(event.stream_id, None)
            if stream is not None:
                stream.reset = True
                stream.window_open.set()
        elif isinstance(event, h2.events.WindowUpdated):
            targets = self.streams.values() if event.stream_id == 0 else [self.streams.get(event.stream_id)]
            for stream in targets:
                if stream is not None:
                    stream.window_open.set()
        elif isinstance(event, h2.events.SettingsAcknowledged):
            if h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS in event.changed_settings:
                self.limit_acknowledged = True
        elif isinstance(event, h2.events.PingReceived):
            self.stats.pings += 1          # h2 sends the ACK itself
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.transport.close()

    def flush(self):
        data = self.conn.data_to_send()
        if data and not self.transport.is_closing():
            self.transport.write(data)

    # -- routes -----------------------------------------------------------

    async def respond(self, stream_id):
        stream = self.streams[stream_id]
        headers = dict(stream.headers)
        method = headers.get(":method", "GET")
        path = headers.get(":path", "/").split("?", 1)[0]
        parts = path.strip("/").split("/")
        extra = []
        goaway = False

        if path == "/stats":
            status, body = 200, self.stats.as_json().encode()
        elif path == "/echo" and method == "POST":
            status, body = 200, self.echo(stream)
        elif parts[0] == "status" and len(parts) == 2 and parts[1].isdigit():
            status = int(parts[1])
            body = json.dumps({"status": status}).encode() if status not in (204, 304) else b""
            extra = [("retry-after", "3")]
        elif parts[0] == "slow" and len(parts) == 2 and parts[1].isdigit():
            await asyncio.sleep(int(parts[1]) / 1000)
            status, body = 200, b"slow"
        elif path == "/redirect":
            status, body = 302, b""
            extra = [("location", "/echo")]
        elif path == "/goaway":
            status, body, goaway = 200, b"goaway", True
        elif parts[0] == "bytes" and len(parts) == 2 and parts[1].isdigit():
            n = int(parts[1])
            status, body = 200, bytes(i % 251 for i in range(n))
        else:
            status, body = 404, b'{"reason":"BadPath"}'

        if stream.reset or self.transport.is_closing():
            return
        response = [(":status", str(status)), ("content-length", str(len(body)))] + extra
        if body:
            response.append(("content-type", "application/json" if body[:1] in b"{[" else "application/octet-stream"))
        try:
            self.conn.send_headers(stream_id, response, end_stream=not body)
            self.flush()
            if body:
                await self.send_body(stream_id, stream, body)
        except h2.exceptions.StreamClosedError:
            pass
        finally:
            self.streams.pop(stream_id, None)
        if goaway:
            self.stats.goaways += 1
            self.conn.close_connection(last_stream_id=stream_id)
            self.flush()
            self.closing_after_goaway = True
        if self.closing_after_goaway and not self.streams:
            self.transport.close()

    def echo(self, stream):
        joined = {}
        for name, value in stream.headers:
            joined[name] = joined[name] + ", " + value if name in joined else value
        return json.dumps({"headers": joined, "body": bytes(stream.body).decode("latin-1")}).encode()

    async def send_body(self, stream_id, stream, body):
        """Sends within the peer's flow-control windows, waiting for
        WINDOW_UPDATE when they are spent."""
        offset = 0
        while offset < len(body):
            if stream.reset or self.transport.is_closing():
                return
            window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
            if window <= 0:
                stream.window_open.clear()
                await stream.window_open.wait()
                continue
            chunk = body[offset:offset + window]
            offset += len(chunk)
            self.conn.send_data(stream_id, chunk, end_stream=offset == len(body))
            self.flush()
            await asyncio.sleep(0)


async def watch_stdin():
    """Returns when stdin reaches end of file: the test that started us has
    gone, even if it died without killing us."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cert", required=True, help="server certificate chain, PEM")
    parser.add_argument("--key", required=True, help="server private key, PEM")
    parser.add_argument("--client-ca", help="require a client certificate issued by this CA (PEM)")
    parser.add_argument("--max-streams", type=int, default=100, help="SETTINGS_MAX_CONCURRENT_STREAMS")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin is closed")
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["h2"])
    if args.client_ca:
        context.load_verify_locations(args.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED

    stats = Stats()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: H2Protocol(stats, args.max_streams), args.host, args.port, ssl=context)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        if args.watch_stdin:
            await watch_stdin()
        else:
            await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
