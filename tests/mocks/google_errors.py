"""Error documents in the shapes Google's servers send them.

Client libraries (and Nudge) decide whether to retry, drop a registration or
refresh a token from these documents, so the mock must reproduce them field
for field: google.rpc.Status for FCM (`{"error":{"code","message","status",
"details":[…FcmError…]}}`), and RFC 6749 §5.2 for the OAuth token endpoint
(`{"error","error_description"}`).
"""

from __future__ import annotations

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"

# errorCode -> (HTTP status, google.rpc status, Google's usual message)
FCM_ERRORS = {
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
}


def api_error(code: int, status: str, message: str, details: list | None = None) -> dict:
    """A google.rpc.Status error document."""
    error = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def fcm_error(error_code: str, message: str | None = None, field: str | None = None) -> tuple[int, dict]:
    """(HTTP status, document) of an FCM send error; field adds a BadRequest violation."""
    http_status, status, default_message = FCM_ERRORS[error_code]
    details = [{"@type": FCM_ERROR_TYPE, "errorCode": error_code}]
    if field is not None:
        details.append({"@type": BAD_REQUEST_TYPE,
                        "fieldViolations": [{"field": field, "description": message or default_message}]})
    return http_status, api_error(http_status, status, message or default_message, details)


def oauth_error(error: str, description: str) -> dict:
    """An OAuth 2.0 token endpoint error (RFC 6749 §5.2), as oauth2.googleapis.com sends it."""
    return {"error": error, "error_description": description}
