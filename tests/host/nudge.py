"""A ctypes host of libnudge: the C ABI of include/nudge.h, driven as a server would drive it.

End-to-end tests need a host around the engine (route stanzas in, report
sessions, drain the event queue through its fd) without writing C for each
test. This wrapper stays a thin, faithful use of the header: every function
has its exact argtypes/restype, strings handed out by the engine are freed
with nudge_free(), events with nudge_event_free(), and the constants are
parsed from nudge.h at import time so they cannot drift from the header.

    with Engine({"store": {"path": tmp}, "server": {"domains": ["example.net"]}}) as engine:
        engine.handle_stanza("<iq type='set' …><enable xmlns='urn:xmpp:push:0' …/></iq>")
        events = engine.events(timeout=2, until=lambda evs: any(e.kind == STANZA for e in evs))
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import select
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "include" / "nudge.h"
DEFAULT_LIB = Path(os.environ.get("NUDGE_LIB", REPO / ".build" / "release" / "libnudge.so"))


def _header_constants(header: Path) -> dict[str, int]:
    """Every `#define NUDGE_X <integer>` of the header, e.g. NUDGE_EBUSY = -11, every
    `#define NUDGE_X NUDGE_Y` naming one of them (NUDGE_LAST_ERRCODE), and every enum
    member (NUDGE_HELD_QUEUED = 1)."""
    text = header.read_text()
    pattern = re.compile(r"^#define\s+(NUDGE_[A-Z0-9_]+)\s+\(?\s*(-?(?:0x[0-9a-fA-F]+|\d+))[uU]?\s*\)?", re.M)
    constants = {name: int(value, 0) for name, value in pattern.findall(text)}
    for name, other in re.findall(r"^#define\s+(NUDGE_[A-Z0-9_]+)\s+(NUDGE_[A-Z0-9_]+)\b", text, re.M):
        constants[name] = constants[other]
    # Members of the header's enums, written `NUDGE_X = <integer>,`.
    for name, value in re.findall(r"^\s+(NUDGE_[A-Z0-9_]+)\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*,?", text, re.M):
        constants[name] = int(value, 0)
    return constants


CONSTANTS = _header_constants(HEADER)
# Module attributes without the prefix: nudge.OK, nudge.EBUSY, nudge.EVENT_STANZA, nudge.HELD_QUEUED, …
globals().update({name[len("NUDGE_"):]: value for name, value in CONSTANTS.items()})
EVENT_KINDS = {value: name[len("NUDGE_EVENT_"):].lower() for name, value in CONSTANTS.items()
               if name.startswith("NUDGE_EVENT_")}
_OK, _EMPTY, _EINVAL = CONSTANTS["NUDGE_OK"], CONSTANTS["NUDGE_EMPTY"], CONSTANTS["NUDGE_EINVAL"]
LOG_LEVELS = {value: name[len("NUDGE_LOG_"):].lower() for name, value in CONSTANTS.items()
              if name.startswith("NUDGE_LOG_")}


class NudgeError(Exception):
    """A call failed: the NUDGE_* code and the engine's message."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message


@dataclass
class Event:
    kind: int          # EVENT_STANZA, EVENT_DISABLED or EVENT_LOG
    data: str
    target: str | None
    level: int

    @property
    def kind_name(self) -> str:
        return EVENT_KINDS.get(self.kind, str(self.kind))

    def json(self):
        """The data of an EVENT_DISABLED event, parsed."""
        return json.loads(self.data)


_c_engine = ctypes.c_void_p
_c_event = ctypes.c_void_p
_SIGNATURES = {
    # name: (restype, argtypes)
    "nudge_open": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_c_engine), ctypes.POINTER(ctypes.c_void_p)]),
    "nudge_close": (None, [_c_engine]),
    "nudge_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "nudge_version": (ctypes.c_char_p, [ctypes.POINTER(ctypes.c_int)] * 3),
    "nudge_free": (None, [ctypes.c_void_p]),
    "nudge_handle_stanza": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.c_size_t]),
    "nudge_session_online": (ctypes.c_int, [_c_engine, ctypes.c_char_p]),
    "nudge_session_pending": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]),
    "nudge_session_resumed": (ctypes.c_int, [_c_engine, ctypes.c_char_p]),
    "nudge_session_closed": (ctypes.c_int, [_c_engine, ctypes.c_char_p]),
    "nudge_set_room_nick": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]),
    "nudge_wants_sender_roster": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]),
    "nudge_wants_session_activity": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]),
    "nudge_session_activity": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
    "nudge_stanza_held": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.c_uint]),
    "nudge_event_fd": (ctypes.c_int, [_c_engine]),
    "nudge_next_event": (ctypes.c_int, [_c_engine, ctypes.POINTER(_c_event)]),
    "nudge_event_kind": (ctypes.c_int, [_c_event]),
    "nudge_event_data": (ctypes.c_void_p, [_c_event, ctypes.POINTER(ctypes.c_size_t)]),
    "nudge_event_target": (ctypes.c_char_p, [_c_event]),
    "nudge_event_level": (ctypes.c_int, [_c_event]),
    "nudge_event_free": (None, [_c_event]),
    "nudge_stats_json": (ctypes.c_int, [_c_engine, ctypes.POINTER(ctypes.c_void_p)]),
    "nudge_admin": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "nudge_user_removed": (ctypes.c_int, [_c_engine, ctypes.c_char_p]),
    "nudge_account_disco": (ctypes.c_int, [_c_engine, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "nudge_info": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]),
    "nudge_config_schema": (ctypes.c_int, [ctypes.POINTER(ctypes.c_void_p)]),
}
_libraries: dict[str, ctypes.CDLL] = {}


def load(lib_path: str | os.PathLike = DEFAULT_LIB) -> ctypes.CDLL:
    """The library with every function typed; loaded once per path."""
    key = str(Path(lib_path).resolve())
    if key not in _libraries:
        lib = ctypes.CDLL(key)
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        _libraries[key] = lib
    return _libraries[key]


def _utf8(text: str | bytes | None) -> bytes | None:
    return text.encode() if isinstance(text, str) else text


def info(config: dict, lib_path: str | os.PathLike = DEFAULT_LIB) -> dict:
    """nudge_info(): how a host routes to an engine with this configuration."""
    lib = load(lib_path)
    out, errmsg = ctypes.c_void_p(), ctypes.c_void_p()
    code = lib.nudge_info(json.dumps(config).encode(), ctypes.byref(out), ctypes.byref(errmsg))
    texts = []
    for pointer in (out, errmsg):
        texts.append(ctypes.string_at(pointer.value).decode() if pointer.value else None)
        if pointer.value:
            lib.nudge_free(pointer)
    if code != _OK:
        raise NudgeError(code, texts[1] or lib.nudge_strerror(code).decode())
    return json.loads(texts[0])


def config_schema(lib_path: str | os.PathLike = DEFAULT_LIB) -> dict:
    """nudge_config_schema(): every configuration key, as the engine reads it."""
    lib = load(lib_path)
    out = ctypes.c_void_p()
    code = lib.nudge_config_schema(ctypes.byref(out))
    if code != _OK:
        raise NudgeError(code, lib.nudge_strerror(code).decode())
    try:
        return json.loads(ctypes.string_at(out.value).decode())
    finally:
        lib.nudge_free(out)


class Engine:
    def __init__(self, config: dict, lib_path: str | os.PathLike = DEFAULT_LIB):
        self.lib = load(lib_path)
        handle, errmsg = _c_engine(), ctypes.c_void_p()
        code = self.lib.nudge_open(json.dumps(config).encode(), ctypes.byref(handle), ctypes.byref(errmsg))
        message = self._take_string(errmsg)
        if code != _OK:
            raise NudgeError(code, message or self.strerror(code))
        self._handle = handle

    # ---- library-wide ------------------------------------------------------

    def strerror(self, code: int) -> str:
        return self.lib.nudge_strerror(code).decode()

    def version(self) -> tuple[str, int, int, int]:
        parts = [ctypes.c_int() for _ in range(3)]
        text = self.lib.nudge_version(*(ctypes.byref(part) for part in parts)).decode()
        return (text, *(part.value for part in parts))

    # ---- stanzas and sessions ------------------------------------------------

    def handle_stanza(self, xml: str | bytes) -> int:
        data = _utf8(xml)
        return self.lib.nudge_handle_stanza(self.handle, data, len(data))

    def session_online(self, full_jid: str) -> int:
        return self.lib.nudge_session_online(self.handle, _utf8(full_jid))

    def session_pending(self, full_jid: str) -> tuple[int, int]:
        """(code, the hibernation timeout in seconds the host should use; 0 = its own default)."""
        timeout = ctypes.c_uint()
        code = self.lib.nudge_session_pending(self.handle, _utf8(full_jid), ctypes.byref(timeout))
        return code, timeout.value

    def session_resumed(self, full_jid: str) -> int:
        return self.lib.nudge_session_resumed(self.handle, _utf8(full_jid))

    def session_closed(self, full_jid: str) -> int:
        return self.lib.nudge_session_closed(self.handle, _utf8(full_jid))

    def set_room_nick(self, user_jid: str, room_jid: str, nick: str | None) -> int:
        return self.lib.nudge_set_room_nick(self.handle, _utf8(user_jid), _utf8(room_jid), _utf8(nick))

    def wants_sender_roster(self, user_jid: str) -> tuple[int, int]:
        """(code, 1 when the host should say whether the sender is in the roster, else 0)."""
        wanted = ctypes.c_int(-1)
        code = self.lib.nudge_wants_sender_roster(self.handle, _utf8(user_jid), ctypes.byref(wanted))
        return code, wanted.value

    def wants_session_activity(self, user_jid: str) -> tuple[int, int]:
        """(code, 1 when the host should report the messages the user's sessions send, else 0)."""
        wanted = ctypes.c_int(-1)
        code = self.lib.nudge_wants_session_activity(self.handle, _utf8(user_jid), ctypes.byref(wanted))
        return code, wanted.value

    def session_activity(self, full_jid: str, xml: str | bytes) -> int:
        data = _utf8(xml)
        return self.lib.nudge_session_activity(self.handle, _utf8(full_jid), data, len(data))

    def stanza_held(self, user_jid: str, xml: str | bytes, flags: int) -> int:
        data = _utf8(xml)
        return self.lib.nudge_stanza_held(self.handle, _utf8(user_jid), data, len(data), flags)

    # ---- events ------------------------------------------------------------------

    def event_fd(self) -> int:
        return self.lib.nudge_event_fd(self.handle)

    def next_event(self) -> Event | None:
        """The oldest waiting event, or None (NUDGE_EMPTY)."""
        pointer = _c_event()
        code = self.lib.nudge_next_event(self.handle, ctypes.byref(pointer))
        if code == _EMPTY:
            return None
        if code != _OK:
            raise NudgeError(code, self.strerror(code))
        try:
            length = ctypes.c_size_t()
            data = ctypes.string_at(self.lib.nudge_event_data(pointer, ctypes.byref(length)), length.value)
            target = self.lib.nudge_event_target(pointer)
            return Event(self.lib.nudge_event_kind(pointer), data.decode(), target.decode() if target else None,
                         self.lib.nudge_event_level(pointer))
        finally:
            self.lib.nudge_event_free(pointer)

    def events(self, timeout: float = 0.0, until=None) -> list[Event]:
        """Drain events as a host's event loop would: wait on the event fd, then take all that wait.

        Without `until`: wait up to `timeout` for the fd to become readable,
        then return everything queued (possibly nothing). With `until`
        (called with the list so far): keep waiting and draining until it
        returns true or `timeout` passes; the list is returned either way.
        """
        collected: list[Event] = []
        poller = select.poll()
        poller.register(self.event_fd(), select.POLLIN)
        deadline = time.monotonic() + timeout
        while True:
            self._drain_into(collected)
            if until is None and collected or until is not None and until(collected):
                return collected
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return collected
            poller.poll(max(1, int(remaining * 1000)))

    def _drain_into(self, collected: list[Event]) -> None:
        while (event := self.next_event()) is not None:
            collected.append(event)

    # ---- accounts ----------------------------------------------------------------------

    def user_removed(self, user_jid: str) -> int:
        return self.lib.nudge_user_removed(self.handle, _utf8(user_jid))

    def account_disco(self, account_jid: str, requester_jid: str | None) -> tuple[int, str | None]:
        out = ctypes.c_void_p()
        code = self.lib.nudge_account_disco(self.handle, _utf8(account_jid), _utf8(requester_jid), ctypes.byref(out))
        return code, self._take_string(out)

    # ---- operations ----------------------------------------------------------------

    def stats(self) -> dict:
        out = ctypes.c_void_p()
        code = self.lib.nudge_stats_json(self.handle, ctypes.byref(out))
        text = self._take_string(out)
        if code != _OK:
            raise NudgeError(code, self.strerror(code))
        return json.loads(text)

    def admin(self, request: dict) -> tuple[int, dict]:
        """(code, reply); the engine replies also on errors ({"ok": false, "error": …})."""
        out = ctypes.c_void_p()
        code = self.lib.nudge_admin(self.handle, json.dumps(request).encode(), ctypes.byref(out))
        text = self._take_string(out)
        return code, json.loads(text) if text else {}

    # ---- lifetime ---------------------------------------------------------------------

    @property
    def handle(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise NudgeError(_EINVAL, "engine is closed")
        return self._handle

    def close(self) -> None:
        """nudge_close(); events still queued are freed by the engine. Safe to call twice."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            self.lib.nudge_close(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _take_string(self, pointer: ctypes.c_void_p) -> str | None:
        """Copy a string the engine handed out, then free it with nudge_free()."""
        if not pointer.value:
            return None
        try:
            return ctypes.string_at(pointer.value).decode()
        finally:
            self.lib.nudge_free(pointer)
