"""Process shell shared by the mocks: common options, startup lines, shutdown.

Test fixtures start a mock on port 0 and learn its ports from the first two
lines of stdout ("PORT <n>", "CONTROL <m>"), printed only once both sockets
listen, so a fixture never races the mock's startup. SIGTERM and SIGINT stop
it cleanly so that fixtures can end it by its pid alone.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tests.mocks import control
from tests.support import h2server


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback only in tests)")
    parser.add_argument("--port", type=int, default=0, help="vendor port; 0 picks a free one")
    parser.add_argument("--control-port", type=int, default=0, help="control API port; 0 picks a free one")
    parser.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="server private key (PEM)")


def run(mock, args, client_ca: str | None = None, on_bound=None, start_control=control.start_control) -> None:
    """Serve `mock` until SIGTERM/SIGINT. on_bound(port) runs once the vendor port is known;
    start_control serves the control API (control_routes passes its extended one)."""
    asyncio.run(_serve(mock, args, client_ca, on_bound, start_control))


async def _serve(mock, args, client_ca, on_bound, start_control):
    context = h2server.tls_context(args.cert, args.key, client_ca)
    server = await h2server.listen(mock, context, args.host, args.port)
    port = server.sockets[0].getsockname()[1]
    if on_bound is not None:
        on_bound(port)
    control_server = start_control(mock, args.host, args.control_port)
    print(f"PORT {port}", flush=True)
    print(f"CONTROL {control_server.server_address[1]}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()
    control_server.shutdown()
    print("stopped", file=sys.stderr, flush=True)
