"""APNs provider authentication tokens, checked as Apple checks them.

A provider token is a JWS: header {"alg":"ES256","kid":<key id>}, claims
{"iss":<team id>,"iat":<seconds>}, signed with the team's P-256 key, the
signature being raw r‖s (a DER signature, a common bug, must fail here as it
fails at Apple). Apple also limits how a connection uses tokens: a token
older than an hour is expired, and switching to a new token less than 20
minutes after the previous one on the same connection is refused, because
real providers are expected to reuse a token for 20–60 minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

CLOCK_SKEW_S = 60


class TokenRejected(Exception):
    """A token Apple would refuse: the HTTP status and APNs reason to answer."""

    def __init__(self, status: int, reason: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.reason = reason


@dataclass
class ProviderKeys:
    """The team and the public halves of its signing keys, by key id."""

    team_id: str
    public_keys: dict

    @classmethod
    def load(cls, team_id: str, key_ids: list[str], pem_paths: list[str]) -> "ProviderKeys":
        """Pair the n-th --key-id with the n-th --public-key."""
        if len(key_ids) != len(pem_paths) or not key_ids:
            raise ValueError("give --key-id and --public-key in pairs, at least one pair")
        keys = {}
        for key_id, path in zip(key_ids, pem_paths):
            with open(path, "rb") as handle:
                keys[key_id] = load_pem_public_key(handle.read())
        return cls(team_id, keys)


def verify(token: str, keys: ProviderKeys, max_age_s: int, now: float | None = None) -> dict:
    """The token's claims if Apple would accept it now; TokenRejected otherwise."""
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise TokenRejected(403, "InvalidProviderToken", f"unreadable token: {error}")
    if header.get("alg") != "ES256":
        raise TokenRejected(403, "InvalidProviderToken", f"alg must be ES256, got {header.get('alg')!r}")
    key = keys.public_keys.get(header.get("kid"))
    if key is None:
        raise TokenRejected(403, "InvalidProviderToken", f"unknown kid {header.get('kid')!r}")
    try:
        claims = jwt.decode(token, key, algorithms=["ES256"],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                     "verify_aud": False, "verify_iss": False})
    except jwt.PyJWTError as error:
        raise TokenRejected(403, "InvalidProviderToken", f"signature: {error}")
    if claims.get("iss") != keys.team_id:
        raise TokenRejected(403, "InvalidProviderToken", f"iss {claims.get('iss')!r} is not team {keys.team_id!r}")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise TokenRejected(403, "InvalidProviderToken", f"iat must be whole seconds, got {iat!r}")
    if iat > now + CLOCK_SKEW_S:
        raise TokenRejected(403, "InvalidProviderToken", f"iat {iat} is in the future")
    if now - iat > max_age_s:
        raise TokenRejected(403, "ExpiredProviderToken", f"iat {iat} is {int(now - iat)} s old")
    return claims


class ConnectionTokens:
    """Which token a connection uses and since when, to refuse too-frequent updates."""

    def __init__(self, min_update_s: int):
        self.min_update_s = min_update_s
        self.current: str | None = None
        self.since = 0.0

    def admit(self, token: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if token == self.current:
            return
        if self.current is not None and now - self.since < self.min_update_s:
            raise TokenRejected(429, "TooManyProviderTokenUpdates",
                                f"new token {int(now - self.since)} s after the previous one")
        self.current, self.since = token, now
