"""Google's OAuth 2.0 token endpoint for service accounts, and the tokens it issues.

FCM v1 accepts only short-lived access tokens, which a server obtains by
POSTing a self-signed JWT assertion (RFC 7523) to the service account's
token_uri. The checks here are the ones Google makes: RS256 signed by the
key named in `kid`, `iss` the account's email, `aud` the token URI, the
firebase.messaging scope, and an `iat`/`exp` span of at most an hour around
now. Access tokens are then checked by the send endpoint, and a test can
expire them all to make the engine refresh.
"""

from __future__ import annotations

import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
CLOCK_SKEW_S = 60
MAX_SPAN_S = 3600
_TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
              "Check your iat and exp values in the JWT claim.")


class OAuthRejected(Exception):
    """A token request Google refuses: the RFC 6749 error code and description (HTTP 400)."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class ServiceAccount:
    """What Google knows of the service account: its email, key id and public key."""

    client_email: str
    private_key_id: str
    public_key: object
    token_uri: str

    @classmethod
    def load(cls, client_email: str, private_key_id: str, public_pem_path: str, token_uri: str) -> "ServiceAccount":
        with open(public_pem_path, "rb") as handle:
            return cls(client_email, private_key_id, load_pem_public_key(handle.read()), token_uri)


def assertion_of(content_type: str | None, body: bytes) -> str:
    """The JWT of a form-encoded jwt-bearer grant request."""
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthRejected("invalid_request", f"Bad content type {content_type!r}: expected a form")
    try:
        form = urllib.parse.parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise OAuthRejected("invalid_request", "Malformed form body")
    grant_types = form.get("grant_type", [])
    if not grant_types:
        raise OAuthRejected("invalid_request", "Missing required parameter: grant_type")
    if grant_types != [JWT_BEARER]:
        raise OAuthRejected("unsupported_grant_type", f"Invalid grant_type: {grant_types[0]}")
    assertions = form.get("assertion", [])
    if len(assertions) != 1 or not assertions[0]:
        raise OAuthRejected("invalid_request", "Missing required parameter: assertion")
    return assertions[0]


def verify_assertion(assertion: str, account: ServiceAccount, now: float | None = None) -> dict:
    """The assertion's claims if Google would grant a token for it; OAuthRejected otherwise."""
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise OAuthRejected("invalid_grant", "Invalid JWT: malformed")
    if header.get("alg") != "RS256" or header.get("kid") != account.private_key_id:
        raise OAuthRejected("invalid_grant", "Invalid JWT Signature.")
    try:
        claims = jwt.decode(assertion, account.public_key, algorithms=["RS256"],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                     "verify_aud": False, "verify_iss": False})
    except jwt.PyJWTError:
        raise OAuthRejected("invalid_grant", "Invalid JWT Signature.")
    if claims.get("iss") != account.client_email:
        raise OAuthRejected("invalid_grant", "Invalid grant: account not found")
    if claims.get("aud") != account.token_uri:
        raise OAuthRejected("invalid_grant",
                            f"Invalid JWT: Failed audience check. The right audience is {account.token_uri}")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (iat, exp)):
        raise OAuthRejected("invalid_grant", _TIMEFRAME)
    if not (0 < exp - iat <= MAX_SPAN_S) or iat > now + CLOCK_SKEW_S or exp <= now:
        raise OAuthRejected("invalid_grant", _TIMEFRAME)
    scopes = claims.get("scope")
    if not isinstance(scopes, str) or FCM_SCOPE not in scopes.split(" "):
        raise OAuthRejected("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    return claims


class AccessTokens:
    """Access tokens issued by the token endpoint, each alive until its expiry or expire_all()."""

    def __init__(self, lifetime_s: int):
        self.lifetime_s = lifetime_s
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self.issued = 0

    def issue(self) -> str:
        token = "ya29.mock-" + secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = time.time() + self.lifetime_s
            self.issued += 1
        return token

    def is_live(self, token: str) -> bool:
        with self._lock:
            return self._expiry.get(token, 0) > time.time()

    def expire_all(self) -> None:
        with self._lock:
            self._expiry.clear()

    def live(self) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for expiry in self._expiry.values() if expiry > now)
