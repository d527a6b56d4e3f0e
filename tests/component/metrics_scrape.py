"""Talking to nudge-component's metrics endpoint (component.metrics_address)
over plain sockets, so that the tests see exactly what it sends."""

from __future__ import annotations

import socket

from tests.support.ports import free_port


def metrics_component(component, **kwargs):
    """A component (not started) with the endpoint on a free loopback port; returns (component, port)."""
    port = free_port()
    extra = kwargs.pop("component", {})
    c = component(component={"metrics_address": f"127.0.0.1:{port}", **extra}, **kwargs)
    return c, port


def request(port: int, raw: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Sends raw bytes and reads until the server closes: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert headers.get("content-length") == str(len(body)) or raw.startswith(b"HEAD"), (lines, body[:200])
    return int(lines[0].split()[1]), headers, body


def get(port: int, path: str = "/metrics", method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    return request(port, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
