"""The transport's test server (Tests/DeliveryTests/Transport): routes on
the tests' HTTP/2 server (h2server.py), strict as the real vendors are: h2
only (ALPN), SETTINGS_MAX_CONCURRENT_STREAMS from --max-streams. The limit
follows the first SETTINGS frame, which announces h2's default of 100, so a
client that stacks streams before reading it has them refused
(REFUSED_STREAM) and one that ignores it afterwards is a protocol error:
/stats counts both, so a test sees a client that ignores the limit.

Routes:
  GET  /stats          counters as JSON (connections, streams, pings, ...)
  POST /echo           200, {"headers": {...}, "body": "<latin-1 str>"}
  ANY  /status/<code>  that status, with "retry-after: 3"
  ANY  /slow/<ms>      200 after <ms> milliseconds
  ANY  /redirect       302 with "location: /echo"
  ANY  /goaway         200, then GOAWAY and the connection closes
  ANY  /bytes/<n>      200 with a body of <n> bytes
Run from the top of the repository:

  python -m tests.support.h2_test_server --cert C --key K [--max-streams N] [--client-ca CA] [--watch-stdin]

The first line on stdout is "PORT <n>"; nothing else is printed there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from tests.support import h2server

FIRST_MAX_STREAMS = 100   # what the first SETTINGS frame announces, as h2 and nghttp2 do


class TestRoutes:
    """The routes, as an h2server mock; its counters are GET /stats."""

    def __init__(self, max_streams: int):
        self.max_streams = max_streams
        self.connections: list[h2server.Connection] = []   # every one ever accepted
        self.active_connections = 0
        self.streams = 0              # requests, ever (GET /stats included)
        self.max_open_streams = 0     # most streams open at once on one connection
        self.goaways = 0              # GOAWAY frames sent by /goaway

    # ---- h2server hooks ----------------------------------------------------

    def initial_max_streams(self, conn) -> int:
        return FIRST_MAX_STREAMS

    def connection_made(self, conn):
        self.connections.append(conn)
        self.active_connections += 1
        if self.max_streams != FIRST_MAX_STREAMS:
            conn.set_max_streams(self.max_streams)

    def connection_lost(self, conn):
        self.active_connections -= 1

    def protocol_error(self, conn, message: str):
        print(f"conn {conn.id}: HTTP/2 protocol error: {message}", file=sys.stderr, flush=True)

    def handle(self, request: h2server.Request):
        self.streams += 1
        self.max_open_streams = max(self.max_open_streams, request.connection.max_open_streams_observed)
        # Answered once what was read with it has been handled, as by a
        # server with work to do: requests that arrive together are open
        # together, which is what max_open_streams measures.
        asyncio.get_running_loop().call_soon(self.route, request)

    # ---- routes ---------------------------------------------------------------

    def route(self, request: h2server.Request):
        parts = request.path.split("?", 1)[0].strip("/").split("/")
        number = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None
        if parts == ["stats"]:
            self.answer(request, 200, self.stats())
        elif parts == ["echo"] and request.method == "POST":
            self.answer(request, 200, self.echo(request))
        elif parts[0] == "status" and number is not None:
            body = json.dumps({"status": number}).encode() if number not in (204, 304) else b""
            self.answer(request, number, body, [("retry-after", "3")])
        elif parts[0] == "slow" and number is not None:
            asyncio.get_running_loop().call_later(number / 1000, self.answer, request, 200, b"slow")
        elif parts == ["redirect"]:
            self.answer(request, 302, b"", [("location", "/echo")])
        elif parts == ["goaway"]:
            self.answer(request, 200, b"goaway")
            self.goaways += 1
            request.connection.goaway(b"", last_stream_id=request.stream_id)
        elif parts[0] == "bytes" and number is not None:
            self.answer(request, 200, bytes(i % 251 for i in range(number)))
        else:
            self.answer(request, 404, b'{"reason":"BadPath"}')

    @staticmethod
    def answer(request, status: int, body: bytes, headers: list[tuple[str, str]] = ()) -> None:
        """h2server adds content-length to a body; an empty one says 0 too."""
        headers = list(headers)
        if body:
            headers.append(("content-type", "application/json" if body[:1] in b"{[" else "application/octet-stream"))
        else:
            headers.append(("content-length", "0"))
        request.connection.respond(request.stream_id, status, headers, body)

    def stats(self) -> bytes:
        return json.dumps({
            "active_connections": self.active_connections,
            "connections": len(self.connections),
            "goaways": self.goaways,
            "max_open_streams": self.max_open_streams,
            "pings": sum(c.pings_received for c in self.connections),
            "refused_streams": sum(c.refused_streams for c in self.connections),
            "stream_limit_violations": sum(c.stream_limit_violations for c in self.connections),
            "streams": self.streams,
        }, sort_keys=True).encode()

    @staticmethod
    def echo(request) -> bytes:
        joined: dict[str, str] = {}
        for name, value in request.headers:
            joined[name] = joined[name] + ", " + value if name in joined else value
        return json.dumps({"headers": joined, "body": request.body.decode("latin-1")}).encode()


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
    parser.add_argument("--max-streams", type=int, default=FIRST_MAX_STREAMS, help="SETTINGS_MAX_CONCURRENT_STREAMS")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin is closed")
    args = parser.parse_args()

    context = h2server.tls_context(args.cert, args.key, args.client_ca)
    server = await h2server.listen(TestRoutes(args.max_streams), context, args.host, args.port)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
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
