"""Credentials made by keys.py are shaped like the vendors' own files."""

from __future__ import annotations

import json
import ssl
import stat

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.mocks import keys

GOOGLE_SERVICE_ACCOUNT_FIELDS = {
    "type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "auth_uri", "token_uri",
    "auth_provider_x509_cert_url", "client_x509_cert_url", "universe_domain",
}


def test_apns_key_is_a_private_p8_of_p256(tmp_path):
    key = keys.make_apns_key(tmp_path, "ABCDE12345")
    assert key.p8.name == "AuthKey_ABCDE12345.p8"
    assert stat.S_IMODE(key.p8.stat().st_mode) == 0o600
    text = key.p8.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----\n")
    loaded = load_pem_private_key(text.encode(), None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name == "secp256r1"


def test_fcm_service_account_has_googles_fields(tmp_path):
    account = keys.make_fcm_account(tmp_path, "nudge-prod")
    document = json.loads(account.json_path.read_text())
    assert set(document) == GOOGLE_SERVICE_ACCOUNT_FIELDS
    assert document["type"] == "service_account" and document["project_id"] == "nudge-prod"
    assert document["client_email"].endswith("@nudge-prod.iam.gserviceaccount.com")
    assert len(document["private_key_id"]) == 40 and len(document["client_id"]) == 21
    assert document["token_uri"] == keys.GOOGLE_TOKEN_URI
    private_key = load_pem_private_key(document["private_key"].encode(), None)
    assert isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size == 2048
    assert document["private_key"].startswith("-----BEGIN PRIVATE KEY-----\n")
    account.write("https://127.0.0.1:1/token")
    assert json.loads(account.json_path.read_text())["token_uri"] == "https://127.0.0.1:1/token"


def test_server_certificate_is_trusted_for_loopback_names(tmp_path):
    tls = keys.make_server_tls(tmp_path)
    certificate = x509.load_pem_x509_certificate(tls.cert.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    context = ssl.create_default_context(cafile=str(tls.ca))
    assert context.get_ca_certs()


def test_client_certificate_names_its_topic(tmp_path):
    client = keys.make_apns_client_cert(tmp_path, "net.example.chat")
    certificate = x509.load_pem_x509_certificate(client.cert.read_bytes())
    (common_name,) = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    assert common_name.value == "net.example.chat"
    assert stat.S_IMODE(client.key.stat().st_mode) == 0o600
