"""Throwaway credentials for the vendor mocks, in the formats vendors hand out.

The engine reads real credential files (an Apple .p8 key, a Google service
account JSON, PEM certificates), so the tests must give it files shaped
exactly like the real ones, while the mocks get the public halves to check
signatures with. Everything is made fresh per test run: no secret is ever
committed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def _write(path: Path, data: bytes, mode: int = 0o644) -> Path:
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def _public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def _pkcs8_pem(private_key) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


@dataclass
class ServerTls:
    ca: Path      # what the engine's ca_file points at
    cert: Path    # the server's chain
    key: Path


def make_server_tls(directory, names=("127.0.0.1", "localhost")) -> ServerTls:
    """A fresh CA and a server certificate for loopback: ca.pem, server.pem, server.key."""
    directory = Path(directory)
    ca = trustme.CA()
    leaf = ca.issue_cert(*names)
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    _write(directory / "server.pem", b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _write(directory / "server.key", leaf.private_key_pem.bytes(), 0o600)
    return ServerTls(directory / "ca.pem", directory / "server.pem", directory / "server.key")


@dataclass
class ApnsKey:
    key_id: str
    p8: Path          # AuthKey_<KEYID>.p8, as downloaded from Apple's developer site
    public_pem: Path  # for the mock
    private_key: ec.EllipticCurvePrivateKey


def _apple_id() -> str:
    """Apple key and team ids are 10 characters of upper-case letters and digits."""
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def make_team_id() -> str:
    return _apple_id()


def make_apns_key(directory, key_id: str | None = None) -> ApnsKey:
    """An APNs token-auth key: PKCS#8 P-256 in AuthKey_<KEYID>.p8 (mode 0600), and its public PEM."""
    directory = Path(directory)
    key_id = key_id or _apple_id()
    private_key = ec.generate_private_key(ec.SECP256R1())
    p8 = _write(directory / f"AuthKey_{key_id}.p8", _pkcs8_pem(private_key), 0o600)
    public = _write(directory / f"AuthKey_{key_id}.pub.pem", _public_pem(private_key))
    return ApnsKey(key_id, p8, public, private_key)


@dataclass
class FcmAccount:
    project_id: str
    client_email: str
    private_key_id: str
    json_path: Path    # the service-account file the engine is configured with
    public_pem: Path   # for the mock
    private_key: rsa.RSAPrivateKey
    token_uri: str = GOOGLE_TOKEN_URI

    def document(self) -> dict:
        """The service-account JSON, field for field as the Firebase console downloads it."""
        quoted_email = urllib.parse.quote(self.client_email)
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": _pkcs8_pem(self.private_key).decode(),
            "client_email": self.client_email,
            "client_id": self._client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{quoted_email}",
            "universe_domain": "googleapis.com",
        }

    def write(self, token_uri: str | None = None) -> Path:
        """(Re)write the JSON file, pointing token_uri at a mock if given."""
        if token_uri is not None:
            self.token_uri = token_uri
        _write(self.json_path, (json.dumps(self.document(), indent=2) + "\n").encode(), 0o600)
        return self.json_path

    @property
    def _client_id(self) -> str:
        """Google's numeric 21-digit client id, derived so it is stable per key."""
        return "1" + str(int(self.private_key_id[:16], 16) % 10**20).zfill(20)


def make_fcm_account(directory, project_id: str = "nudge-test", token_uri: str = GOOGLE_TOKEN_URI) -> FcmAccount:
    """A Firebase service account (RSA 2048) as service-account.json, plus its public PEM."""
    directory = Path(directory)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    account = FcmAccount(
        project_id=project_id,
        client_email=f"firebase-adminsdk-{secrets.token_hex(3)[:5]}@{project_id}.iam.gserviceaccount.com",
        private_key_id=secrets.token_hex(20),
        json_path=directory / "service-account.json",
        public_pem=_write(directory / "service-account.pub.pem", _public_pem(private_key)),
        private_key=private_key,
        token_uri=token_uri,
    )
    account.write()
    return account


@dataclass
class ClientCert:
    ca: Path     # the mock's --client-ca
    cert: Path   # the provider certificate (chain) the engine presents
    key: Path
    topic: str


def make_apns_client_cert(directory, topic: str) -> ClientCert:
    """A provider certificate for APNs certificate auth: its CN is the topic it may push to."""
    directory = Path(directory)
    ca = trustme.CA(organization_unit_name="Apple Worldwide Developer Relations (mock)")
    leaf = ca.issue_cert(common_name=topic)
    ca.cert_pem.write_to_path(str(directory / "client-ca.pem"))
    _write(directory / "client.pem", b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _write(directory / "client.key", leaf.private_key_pem.bytes(), 0o600)
    return ClientCert(directory / "client-ca.pem", directory / "client.pem", directory / "client.key", topic)


@dataclass
class VapidKey:
    pem: Path          # the application server's private key file the engine is configured with
    public_key: str    # base64url uncompressed point: the VAPID `k`, and a subscription's applicationServerKey
    private_key: ec.EllipticCurvePrivateKey


def make_vapid_key(directory, name: str = "vapid") -> VapidKey:
    """A VAPID signing key: PKCS#8 P-256 PEM in <name>.pem (mode 0600), and its public key in base64url."""
    directory = Path(directory)
    private_key = ec.generate_private_key(ec.SECP256R1())
    pem = _write(directory / f"{name}.pem", _pkcs8_pem(private_key), 0o600)
    point = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
    return VapidKey(pem, base64.urlsafe_b64encode(point).rstrip(b"=").decode(), private_key)


@dataclass
class WnsApp:
    package_sid: str     # the client_id of the token request
    client_secret: str


def make_wns_app() -> WnsApp:
    """Credentials shaped like the Partner Center's: ms-app://s-1-15-2-… and a 32-character secret."""
    sid = "ms-app://s-1-15-2-" + "-".join(str(secrets.randbelow(2**32)) for _ in range(7))
    return WnsApp(sid, secrets.token_urlsafe(24))
