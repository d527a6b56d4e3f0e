"""Read a JWT's header and claims without trusting it, for request logs.

Tests assert on what the engine put in its tokens (kid, iss, iat, scope)
even when the mock refused them, so the log keeps the unverified parts.
"""

from __future__ import annotations

import jwt


def unverified(token: str) -> dict | None:
    """{"header": …, "claims": …}, or None if the token cannot be parsed."""
    try:
        return {"header": jwt.get_unverified_header(token),
                "claims": jwt.decode(token, options={"verify_signature": False})}
    except (jwt.PyJWTError, ValueError):
        return None
