"""The mocks' own tests use the fixtures every end-to-end test uses."""

from fixtures import (apns_cert_mock, apns_mock, fcm_mock, ubports_mock,  # noqa: F401  (pytest finds fixtures by name)
                      webpush_mock, wns_mock)
