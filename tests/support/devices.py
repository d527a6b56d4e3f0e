"""A phone as the Prosody tests see it, for each vendor: how it registers at
the app server, the backend mod_nudge needs for it, and the pushes its
vendor's mock received for it, read the same way whatever the vendor.

    device = ApnsDevice(apns_mock)            # or FcmDevice(fcm_mock), WebPushDevice(webpush_mock, vapid)
    options = push_options(apns_mock, nudge_backends=device.backends())
    fields = await client.command(DOMAIN, device.command, device.fields())
    device.pushes()   # [Push(summary={…}, collapse="…", ok=True), …] in arrival order
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from tests.support.vendor_backends import apns_backend, fcm_backend


@dataclass(frozen=True)
class Push:
    summary: dict         # what the phone reads: the APNs payload, the decrypted Web Push message
    collapse: str | None  # what makes the vendor replace an older push: apns-collapse-id, Topic
    ok: bool              # the vendor accepted it

    @property
    def count(self) -> int:
        return int(self.summary["message-count"])


class ApnsDevice:
    command = "register-push-apns"
    vendor = "apns"

    def __init__(self, mock):
        self.mock = mock
        self.token = secrets.token_hex(32)

    def backends(self) -> list[dict]:
        return [apns_backend(self.mock)]

    def fields(self) -> dict[str, str]:
        return {"token": self.token}

    def pushes(self) -> list[Push]:
        # The mock journals a request before it answers it: a push counts
        # once answered, so that `ok` is the vendor's verdict.
        return [Push(r["payload"], r["headers"].get("apns-collapse-id"), r["answer"].get("status") == 200)
                for r in self.mock.control.requests() if r.get("token") == self.token and r.get("answer")]


class WebPushDevice:
    """A browser (or UnifiedPush distributor) subscription at the Web Push mock;
    the mock decrypts each push with the subscription's keys."""
    command = "register-push-webpush"
    vendor = "webpush"

    def __init__(self, mock, vapid):
        self.mock = mock
        self.vapid = vapid
        self.subscription = mock.subscribe()

    def backends(self) -> list[dict]:
        return [{"type": "webpush", "vapid_private_key_file": str(self.vapid.pem),
                 "subject": "mailto:admin@example.net", "ca_file": str(self.mock.tls.ca),
                 "allow_private_addresses": True}]   # the mock lives on loopback

    def fields(self) -> dict[str, str]:
        return {key: self.subscription[key] for key in ("endpoint", "p256dh", "auth")}

    def pushes(self) -> list[Push]:
        path = "/" + self.subscription["endpoint"].split("/", 3)[3]
        return [Push(json.loads(r["plaintext"]), r["headers"].get("topic"), r["answer"].get("status") == 201)
                for r in self.mock.control.requests()
                if r.get("kind") == "push" and r.get("path") == path and "plaintext" in r and r.get("answer")]


class FcmDevice:
    """An Android phone with an FCM registration token, as Conversations
    registers it (token and android-id); its pushes are the data messages
    the FCM mock accepted for the token."""
    command = "register-push-fcm"
    vendor = "fcm"

    def __init__(self, mock):
        self.mock = mock
        self.token = "fcm:" + secrets.token_urlsafe(48)
        self.android_id = secrets.token_hex(8)

    def backends(self) -> list[dict]:
        return [fcm_backend(self.mock)]

    def fields(self) -> dict[str, str]:
        return {"token": self.token, "android-id": self.android_id}

    def pushes(self) -> list[Push]:
        pushes = []
        for r in self.mock.control.requests():
            if r.get("kind") != "send" or not r.get("answer"):
                continue
            message = json.loads(r["body"])["message"]
            if message.get("token") == self.token:
                pushes.append(Push(message.get("data", {}), message.get("android", {}).get("collapse_key"),
                                   r["answer"].get("status") == 200))
        return pushes
