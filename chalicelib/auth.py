"""Bearer tokens, the principal they carry, and role and ownership checks.

Locally tokens are HS256 signed with SHELF_JWT_SECRET. The verifier is the one place to swap in a
JWKS (for example a Cognito user pool) in AWS; the rest of the code only sees a Principal.

Token times (`iat`, `exp`, `nbf`) are read on chalicelib.domain.clock, not on the system clock
PyJWT would use, so on the local stack a token lives in the test clock's moved time: one minted
after an advance is valid, one whose `exp` the advance skipped is refused. `iat` is not checked
(a token minted in moved time looks issued in the future to anything reading the system clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain import clock
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.settings import get_settings

_ALGORITHM = "HS256"
_LEEWAY_SECONDS = 30


class Role(StrEnum):
    SHOPPER = "shopper"
    MERCHANT = "merchant"
    CREATOR = "creator"
    OPS = "ops"


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role


def issue_token(sub: str, role: Role | str, ttl_seconds: int = 12 * 3600) -> str:
    import jwt  # imported where used: it is not needed to serve shopper reads

    now = clock.now_ms() // 1000
    claims = {"sub": sub, "role": Role(role).value, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, get_settings().jwt_secret, algorithm=_ALGORITHM)


def principal_from_headers(headers) -> Principal:
    header = headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token", code="missing_token")
    import jwt

    try:
        claims = jwt.decode(
            token.strip(), get_settings().jwt_secret, algorithms=[_ALGORITHM],
            options={"require": ["sub", "role", "exp"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False},
        )
        _check_lifetime(claims, clock.now_ms() / 1000)
        return Principal(user_id=str(claims["sub"]), role=Role(claims["role"]))
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthorized("invalid or expired token", code="invalid_token") from error


def _check_lifetime(claims: dict, now_s: float) -> None:
    """What PyJWT's exp and nbf checks do, with the same leeway, at the clock's `now_s`."""
    expires, not_before = claims["exp"], claims.get("nbf", 0)
    if not (_is_time(expires) and _is_time(not_before)):
        raise ValueError("exp and nbf must be numbers")
    if expires <= now_s - _LEEWAY_SECONDS:
        raise ValueError("the token has expired")
    if not_before > now_s + _LEEWAY_SECONDS:
        raise ValueError("the token is not valid yet")


def _is_time(value) -> bool:
    return type(value) in (int, float)


def require_role(principal: Principal, *roles: Role) -> Principal:
    if principal.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"this action needs the role {allowed}", code="wrong_role")
    return principal


def require_owner(principal: Principal, owner_id: str) -> None:
    if principal.user_id != owner_id:
        raise Forbidden("this shop belongs to another merchant", code="not_owner")


def optional_principal(headers) -> Principal | None:
    """The caller when a token is sent (a bad one is still 401), None for anonymous reads."""
    if not headers.get("authorization"):
        return None
    return principal_from_headers(headers)
