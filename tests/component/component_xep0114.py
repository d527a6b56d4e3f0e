"""The server's side of XEP-0114, played by a test: a listening socket that
accepts the component, checks its handshake (hex SHA-1 of the stream id and
the secret) and lets the test send and read raw stream bytes, to cover what
a real server will not do on cue (cut the stream right after an iq, send a
stanza byte by byte, refuse the secret).

    server = ComponentListener(secret)      # .port
    conn = server.accept()                  # waits for the component, answers its handshake
    conn.send(b"<iq …/>"); conn.read_until(b"</iq>"); conn.close()
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import time

STEP_TIMEOUT_S = 20


class ComponentConnection:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.sock.settimeout(0.2)
        self.received = b""
        self.closed_by_peer = False

    def _read_more(self) -> None:
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return
        except OSError:
            data = b""
        if not data:
            self.closed_by_peer = True
            time.sleep(0.05)
        self.received += data

    def read_until(self, pattern: bytes, timeout: float = STEP_TIMEOUT_S) -> re.Match:
        """Waits until the bytes received match the regular expression."""
        regex = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.received)
            if match:
                return match
            if self.closed_by_peer:
                raise AssertionError(f"the component closed the connection; received {self.received!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; received {self.received!r}")
            self._read_more()

    def wait_closed(self, timeout: float = STEP_TIMEOUT_S) -> bytes:
        deadline = time.monotonic() + timeout
        while not self.closed_by_peer:
            if time.monotonic() > deadline:
                raise AssertionError(f"the component kept the connection open; received {self.received!r}")
            self._read_more()
        return self.received

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


class ComponentListener:
    def __init__(self, secret: str, domain: str = "push.example.net", port: int = 0):
        self.secret = secret
        self.domain = domain
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(4)
        self.sock.settimeout(STEP_TIMEOUT_S)
        self.port = self.sock.getsockname()[1]

    def accept(self, *, answer: str = "ok") -> ComponentConnection:
        """Accepts the component and runs the stream open and handshake.
        answer "ok" accepts a correct handshake; "refuse" answers not-authorized whatever it is."""
        sock, _ = self.sock.accept()
        conn = ComponentConnection(sock)
        header = conn.read_until(rb"<stream:stream[^>]*>")
        assert b"xmlns='jabber:component:accept'" in header.group(0), header.group(0)
        assert f"to='{self.domain}'".encode() in header.group(0), header.group(0)
        stream_id = secrets.token_hex(8)
        conn.send(f"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                  f"xmlns='jabber:component:accept' from='{self.domain}' id='{stream_id}'>".encode())
        digest = conn.read_until(rb"<handshake>([0-9a-f]*)</handshake>").group(1).decode()
        expected = hashlib.sha1((stream_id + self.secret).encode()).hexdigest()
        if answer == "ok" and digest == expected:
            conn.send(b"<handshake/>")
        else:
            conn.send(b"<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                      b"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bad handshake</text></stream:error>"
                      b"</stream:stream>")
        conn.digest_ok = digest == expected
        return conn

    def close(self) -> None:
        self.sock.close()
