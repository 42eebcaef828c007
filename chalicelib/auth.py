"""Bearer tokens, the principal they carry, and role and ownership checks.

Which tokens are accepted depends on the stage (chalicelib.settings):

- local and test: HS256 signed with SHELF_JWT_SECRET (a development default when unset), claims
  `sub` and `role`. `issue_token` mints them (`make token`, the tests). Unchanged.
- every deployed stage: RS256 tokens from an OIDC issuer, shaped like a Cognito user pool's
  (docs/auth.md), read from SHELF_OIDC_*. A token is accepted when its header says `alg: RS256`
  (never `none`, never HS256: a public key used as an HMAC secret proves nothing) with a `kid`
  the issuer's JWKS holds, its signature verifies with that key, `iss` equals the issuer,
  `token_use` is the configured kind (access by default: the token Cognito issues for calling
  APIs; an access token names its app client in `client_id`, an ID token in `aud`), that client
  id is one of SHELF_OIDC_CLIENT_IDS, and `exp` has not passed. `sub` is the user id; the role
  comes from the configured claim (`cognito:groups` by default: group names shopper, merchant,
  creator, ops). A verified token without a role, or with two, is 403 (`no_role`,
  `ambiguous_role`): the caller is known, signing in again would not help.

Costs: no I/O for a dev token. An OIDC token costs no I/O either while the container's JWKS is
cached (PyJWKClient, one per JWKS URL per container): one HTTPS GET of the JWKS on a cold start,
when the cached set is older than _JWKS_LIFESPAN_SECONDS, and when a token names a `kid` the set
lacks (a rotated key; at most once per _JWKS_REFRESH_COOLDOWN_SECONDS, so made-up kids cannot make
every request fetch). An issuer that cannot be reached when a fetch is due answers 503
`auth_unavailable`.

Token times (`iat`, `exp`, `nbf`) are read on chalicelib.domain.clock, not on the system clock
PyJWT would use, so on the local stack a token lives in the test clock's moved time: one minted
after an advance is valid, one whose `exp` the advance skipped is refused. `iat` is not checked
(a token minted in moved time looks issued in the future to anything reading the system clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from chalicelib.domain import clock
from chalicelib.errors import AppError, Forbidden, Unauthorized
from chalicelib.settings import OidcSettings, get_settings

_DEV_ALGORITHM = "HS256"
_OIDC_ALGORITHM = "RS256"
_LEEWAY_SECONDS = 30
# PyJWKClient keeps the whole key set this long, then fetches it again, so a key the issuer
# withdraws stops being accepted within 5 minutes. Its per-kid cache (`cache_keys`) is left off:
# it never expires, and would keep accepting a withdrawn key for the container's life.
_JWKS_LIFESPAN_SECONDS = 300
# An unknown kid refetches the set, but not again within this many seconds of the last fetch
# (PyJWT's default cooldown).
_JWKS_REFRESH_COOLDOWN_SECONDS = 30
# A JWKS fetch is on the request path: well inside API Gateway's 29 s.
_JWKS_TIMEOUT_SECONDS = 3


class AuthUnavailable(AppError):
    """The issuer's keys could not be fetched: the token may be fine, try again shortly."""

    status = 503
    code = "auth_unavailable"


class Role(StrEnum):
    SHOPPER = "shopper"
    MERCHANT = "merchant"
    CREATOR = "creator"
    OPS = "ops"


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role


_ROLES = {role.value: role for role in Role}


def issue_token(sub: str, role: Role | str, ttl_seconds: int = 12 * 3600) -> str:
    """A dev token, HS256: accepted on local and test stages only (see principal_from_headers)."""
    import jwt  # imported where used: it is not needed to serve shopper reads

    now = clock.now_ms() // 1000
    claims = {"sub": sub, "role": Role(role).value, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, get_settings().jwt_secret, algorithm=_DEV_ALGORITHM)


def principal_from_headers(headers) -> Principal:
    token = _bearer_token(headers)
    settings = get_settings()
    if settings.is_dev:
        return _dev_principal(token, settings.jwt_secret)
    return _oidc_principal(token, settings.oidc)


def _bearer_token(headers) -> str:
    header = headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token", code="missing_token")
    return token.strip()


def _invalid_token() -> Unauthorized:
    # One message for every reason: the reason is in the exception chain, not in the answer.
    return Unauthorized("invalid or expired token", code="invalid_token")


def _dev_principal(token: str, secret: str) -> Principal:
    import jwt

    try:
        claims = jwt.decode(
            token, secret, algorithms=[_DEV_ALGORITHM],
            options={"require": ["sub", "role", "exp"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False},
        )
        _check_lifetime(claims, clock.now_ms() / 1000)
        return Principal(user_id=str(claims["sub"]), role=Role(claims["role"]))
    except (jwt.InvalidTokenError, ValueError) as error:
        raise _invalid_token() from error


def _oidc_principal(token: str, config: OidcSettings) -> Principal:
    claims = _verified_oidc_claims(token, config)
    return Principal(user_id=claims["sub"], role=_role_of(claims, config.role_claim))


def _verified_oidc_claims(token: str, config: OidcSettings) -> dict:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise _invalid_token() from error
    # Checked before any key is looked up, and again by decode's `algorithms`.
    if header.get("alg") != _OIDC_ALGORITHM:
        raise _invalid_token()
    key = _signing_key(config.jwks_url, header.get("kid"))
    try:
        claims = jwt.decode(
            token, key, algorithms=[_OIDC_ALGORITHM], issuer=config.issuer,
            options={"require": ["sub", "iss", "exp", "token_use"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )
        _check_lifetime(claims, clock.now_ms() / 1000)
        _check_client(claims, config)
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise ValueError("sub must be a non-empty string")
    except (jwt.InvalidTokenError, ValueError) as error:
        raise _invalid_token() from error
    return claims


def _signing_key(jwks_url: str, kid):
    """The issuer's public key named `kid` (a PyJWK, which binds RS256 to it)."""
    import jwt

    if not isinstance(kid, str) or not kid:
        raise _invalid_token()
    try:
        return _jwks_client(jwks_url).get_signing_key(kid)
    except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError) as error:
        raise AuthUnavailable("the token issuer's keys cannot be fetched; try again shortly"
                              ) from error
    except jwt.PyJWKClientError as error:  # not in the set, even after a refetch
        raise _invalid_token() from error


@lru_cache(maxsize=4)
def _jwks_client(jwks_url: str):
    """One client per JWKS URL per container: its key set cache is what saves the fetches."""
    import jwt

    return jwt.PyJWKClient(
        jwks_url, cache_jwk_set=True, lifespan=_JWKS_LIFESPAN_SECONDS, cache_keys=False,
        cooldown_duration=_JWKS_REFRESH_COOLDOWN_SECONDS, timeout=_JWKS_TIMEOUT_SECONDS,
    )


def _check_client(claims: dict, config: OidcSettings) -> None:
    """`token_use` is the configured kind, issued to one of the configured app clients."""
    if claims["token_use"] != config.token_use:
        raise ValueError(f"token_use {claims['token_use']!r}, not {config.token_use!r}")
    # Cognito names the app client in an access token's client_id and in an ID token's aud
    named = claims.get("client_id") if config.token_use == "access" else claims.get("aud")
    clients = [named] if isinstance(named, str) else named if isinstance(named, list) else []
    if not any(isinstance(client, str) and client in config.client_ids for client in clients):
        raise ValueError("the token was issued to another client")


def _role_of(claims: dict, role_claim: str) -> Role:
    """The one Role named by the claim: a string (`custom:role`) or a list (`cognito:groups`).
    Names that are not roles (other groups) are ignored."""
    value = claims.get(role_claim)
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles = {_ROLES[name] for name in names if isinstance(name, str) and name in _ROLES}
    if len(roles) == 1:
        return roles.pop()
    allowed = ", ".join(_ROLES)
    if not roles:
        raise Forbidden(f"the token names no role in {role_claim!r} (one of {allowed})",
                        code="no_role")
    raise Forbidden(f"the token names more than one role in {role_claim!r}; a user has one",
                    code="ambiguous_role")


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
