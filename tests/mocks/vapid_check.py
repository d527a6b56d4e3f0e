"""VAPID (RFC 8292) as a push service checks it.

`Authorization: vapid t=<JWT>, k=<public key>`: the JWT must be ES256-signed
by the key k, typed JWT, addressed (`aud`) to the push service's origin,
expiring in the future but at most 24 hours ahead, with a `mailto:` or
`https:` contact in `sub`. A restricted subscription (created with an
applicationServerKey) also demands that k is that key.

Status codes follow RFC 8292 §4.2: 401 when vapid authentication is absent,
403 when it is present but invalid or from the wrong key. Every refusal
carries a reason, so a failing end-to-end test says what the engine got
wrong.
"""

from __future__ import annotations

import re
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from tests.mocks import jwt_parts
from tests.mocks.webpush_crypto import load_public_key, unb64url

MAX_AHEAD_S = 24 * 3600
_JWS_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class VapidRejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _invalid(reason: str) -> VapidRejected:
    return VapidRejected(403, f"invalid VAPID: {reason}")


def parse(authorization: str | None) -> tuple[str, str]:
    """(t, k) of a vapid Authorization header; VapidRejected if it has none."""
    if not authorization:
        raise VapidRejected(401, "missing Authorization: vapid t=…, k=… (RFC 8292)")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise VapidRejected(401, f"Authorization scheme {scheme!r} is not vapid (RFC 8292)")
    params: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or not name:
            raise _invalid(f"malformed auth-param {item.strip()!r}")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name in params:
            raise _invalid(f"auth-param {name} given twice")
        params[name] = value
    if "t" not in params or "k" not in params:
        raise _invalid(f"needs both t= and k=, got {sorted(params)}")
    return params["t"], params["k"]


def describe(authorization: str | None) -> dict | None:
    """Unverified t header and claims and k, for the journal (None if there is no vapid header)."""
    try:
        token, k = parse(authorization)
    except VapidRejected:
        return None
    return {"k": k, **(jwt_parts.unverified(token) or {"header": None, "claims": None})}


def public_key(k: str) -> ec.EllipticCurvePublicKey:
    """The key k names; 403 if it is not an unpadded base64url uncompressed P-256 point."""
    try:
        return load_public_key(unb64url(k))
    except ValueError:
        raise _invalid("k is not an unpadded base64url uncompressed P-256 public key") from None


def verify(authorization: str | None, origin: str, now: float | None = None,
           application_server_key: bytes | None = None) -> dict:
    """{"k", "header", "claims"} of a valid vapid header; VapidRejected otherwise."""
    now = time.time() if now is None else now
    token, k = parse(authorization)
    key = public_key(k)
    if application_server_key is not None and unb64url(k) != application_server_key:
        raise VapidRejected(403, "VAPID key k is not the applicationServerKey of this restricted subscription")
    if not _JWS_COMPACT.fullmatch(token):
        raise _invalid("t is not a compact JWS of unpadded base64url parts")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise _invalid(f"t has no readable JOSE header ({error})") from None
    if header.get("alg") != "ES256":
        raise _invalid(f"alg is {header.get('alg')!r}, not ES256")
    if header.get("typ") != "JWT":
        raise _invalid(f"typ is {header.get('typ')!r}, not JWT")
    try:
        claims = jwt.decode(token, key, algorithms=["ES256"],
                            options={"verify_exp": False, "verify_aud": False, "verify_iat": False,
                                     "verify_nbf": False, "verify_iss": False})
    except jwt.InvalidSignatureError:
        raise _invalid("the ES256 signature does not verify with k") from None
    except jwt.PyJWTError as error:
        raise _invalid(f"t cannot be decoded ({error})") from None
    _check_claims(claims, origin, now)
    return {"k": k, "header": header, "claims": claims}


def _check_claims(claims: dict, origin: str, now: float) -> None:
    aud, exp, sub = claims.get("aud"), claims.get("exp"), claims.get("sub")
    if aud != origin:
        raise _invalid(f"aud is {aud!r}, expected the push service origin {origin!r}")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise _invalid(f"exp is {exp!r}, not a NumericDate")
    if exp <= now:
        raise _invalid(f"the token expired {int(now - exp)} s ago")
    if exp > now + MAX_AHEAD_S:
        raise _invalid(f"exp is {int(exp - now)} s ahead, more than 24 hours")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise _invalid(f"sub is {sub!r}, not a mailto: or https: contact")
