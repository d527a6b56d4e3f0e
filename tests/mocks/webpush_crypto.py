"""The user agent's side of RFC 8291: subscription keys, and decrypting what arrives.

A push service cannot read messages, but the browser behind it can, and a
message it cannot decrypt is lost without any error reaching the sender. So
the mock plays the browser too: it holds each subscription's private key and
auth secret and decrypts every accepted body with an independent
implementation (`http_ece`), after checking the aes128gcm header the way
RFC 8291 §4 narrows RFC 8188: keyid is the sender's 65-byte public key and
the message is a single record.
"""

from __future__ import annotations

import base64
import re
import secrets
import struct
from dataclasses import dataclass, field

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HEADER_FIXED = 21           # salt(16) rs(4) idlen(1)
SENDER_KEY_LENGTH = 65      # an uncompressed P-256 point
TAG_LENGTH = 16
MIN_RECORD_SIZE = 18        # RFC 8188 §2: a tag, a delimiter and one octet
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    """Decode unpadded base64url; ValueError for padding or other alphabets (RFC 8292 §3.2, RFC 8291 §3.2)."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_public_key(raw: bytes) -> ec.EllipticCurvePublicKey:
    """An uncompressed P-256 point (65 bytes, 0x04 first); ValueError for anything else."""
    if len(raw) != SENDER_KEY_LENGTH or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 public key")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


class CannotDecrypt(Exception):
    """The body is not one RFC 8291 record the subscription's keys open."""


@dataclass
class Subscription:
    """One push subscription, as the browser holds it."""

    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: bytes | None = None   # set: a restricted subscription (RFC 8292 §4)
    gone: bool = False
    messages: int = field(default=0)

    @classmethod
    def create(cls, application_server_key: bytes | None = None) -> "Subscription":
        return cls(secrets.token_urlsafe(24), ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16),
                   application_server_key)

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    def document(self, origin: str) -> dict:
        """What PushSubscription.toJSON() gives the app: endpoint and keys."""
        return {"endpoint": f"{origin}/push/{self.id}", "p256dh": b64url(self.public_key), "auth": b64url(self.auth)}


def parse_header(body: bytes) -> dict:
    """The aes128gcm header fields; CannotDecrypt if they break RFC 8291 §4."""
    if len(body) < HEADER_FIXED:
        raise CannotDecrypt(f"body of {len(body)} bytes is shorter than the aes128gcm header")
    salt, (rs,), idlen = body[:16], struct.unpack(">I", body[16:20]), body[20]
    if idlen != SENDER_KEY_LENGTH:
        raise CannotDecrypt(f"keyid must be the 65-byte sender public key, idlen is {idlen}")
    keyid = body[HEADER_FIXED:HEADER_FIXED + idlen]
    content = body[HEADER_FIXED + idlen:]
    if len(keyid) != idlen:
        raise CannotDecrypt("body ends inside the keyid")
    if rs < MIN_RECORD_SIZE:
        raise CannotDecrypt(f"record size {rs} is below {MIN_RECORD_SIZE}")
    if len(content) < TAG_LENGTH + 1:
        raise CannotDecrypt(f"{len(content)} bytes of ciphertext cannot hold a tag and a delimiter")
    if len(content) > rs:
        raise CannotDecrypt(f"{len(content)} bytes of ciphertext with rs {rs} is more than the one record "
                            "RFC 8291 allows")
    return {"salt": b64url(salt), "rs": rs, "idlen": idlen, "keyid": b64url(keyid)}


def decrypt(body: bytes, subscription: Subscription) -> tuple[dict, bytes]:
    """(header fields, plaintext) of an RFC 8291 message; CannotDecrypt otherwise."""
    header = parse_header(body)
    try:
        plaintext = http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                     version="aes128gcm")
    except (http_ece.ECEException, ValueError, TypeError) as error:
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        raise CannotDecrypt(message) from None
    return header, plaintext
