"""Deployed-stage sign-in (chalicelib.auth): Cognito-shaped RS256 tokens verified through the
JWKS of a local issuer (tests/oidc_support.py), keys cached per container and refetched for an
unknown kid; what is refused, and with which status; the SHELF_OIDC_* settings."""

from __future__ import annotations

import jwt
import pytest

from chalicelib import auth
from chalicelib.auth import AuthUnavailable, Principal, Role, principal_from_headers
from chalicelib.domain import clock
from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.settings import DEV_JWT_SECRET, SettingsError, get_settings
from tests.oidc_support import (
    CLIENT_IDS,
    USER_SUB,
    deployed_stage,
    hs256_with_public_key,
    jwks_clock,
    private_key,
    unsigned_token,
)
from tests.support import FROZEN_NOW

NOW_S = FROZEN_NOW // 1000


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "source", lambda: FROZEN_NOW)


@pytest.fixture
def deployed(monkeypatch, issuer, frozen):
    with deployed_stage(monkeypatch, issuer) as settings:
        yield settings


@pytest.fixture
def monotonic(monkeypatch):
    return jwks_clock(monkeypatch)


def principal(token: str) -> Principal:
    return principal_from_headers({"authorization": f"Bearer {token}"})


def refused(token: str) -> tuple[int, str]:
    with pytest.raises((Unauthorized, Forbidden, AuthUnavailable)) as caught:
        principal(token)
    return caught.value.status, caught.value.code


# --- accepted, and what is fetched ---------------------------------------------------------------


def test_a_cognito_access_token_is_the_user_with_the_role_of_its_group(deployed, issuer):
    token = issuer.access_token("k1", now=NOW_S, groups=["beta-testers", "merchant"])
    assert principal(token) == Principal(user_id=USER_SUB, role=Role.MERCHANT)
    for client_id, group, role in ((CLIENT_IDS[1], "ops", Role.OPS),
                                   (CLIENT_IDS[0], "creator", Role.CREATOR),
                                   (CLIENT_IDS[0], "shopper", Role.SHOPPER)):
        token = issuer.access_token("k1", now=NOW_S, client_id=client_id, groups=[group],
                                    sub="u-2")
        assert principal(token) == Principal(user_id="u-2", role=role)


def test_keys_are_cached_per_container_two_tokens_one_fetch(deployed, issuer, monotonic):
    assert issuer.fetches == 0  # a cold container has fetched nothing
    principal(issuer.access_token("k1", now=NOW_S))
    principal(issuer.access_token("k1", now=NOW_S, groups=["shopper"]))
    assert issuer.fetches == 1
    monotonic["now"] += 299  # within the set's 5-minute life: still no fetch
    principal(issuer.access_token("k1", now=NOW_S))
    assert issuer.fetches == 1
    monotonic["now"] += 2  # the cached set is now older than 300 s: fetched again, once
    principal(issuer.access_token("k1", now=NOW_S))
    principal(issuer.access_token("k1", now=NOW_S))
    assert issuer.fetches == 2


def test_a_rotated_key_is_fetched_once_when_its_kid_first_appears(deployed, issuer, monotonic):
    principal(issuer.access_token("k1", now=NOW_S))
    assert issuer.fetches == 1
    issuer.publish("k2")  # the issuer rotates: k2 signs from now on, k1 is withdrawn
    monotonic["now"] += 31  # past the 30 s refresh cooldown since the last fetch
    assert principal(issuer.access_token("k2", now=NOW_S)).role is Role.MERCHANT
    assert issuer.fetches == 2  # the unknown kid refetched the set, once
    principal(issuer.access_token("k2", now=NOW_S))
    assert issuer.fetches == 2
    # the refetched set no longer holds k1: refused, and within the cooldown no fetch again
    assert refused(issuer.access_token("k1", now=NOW_S)) == (401, "invalid_token")
    assert issuer.fetches == 2


def test_unknown_kids_refetch_at_most_once_per_cooldown(deployed, issuer, monotonic):
    principal(issuer.access_token("k1", now=NOW_S))
    made_up = issuer.access_token("k9", now=NOW_S)  # a key the issuer never published
    for _ in range(3):  # within 30 s of the cold start's fetch: refused without fetching
        assert refused(made_up) == (401, "invalid_token")
    assert issuer.fetches == 1
    monotonic["now"] += 31
    for _ in range(3):  # one refetch, then the cooldown again
        assert refused(made_up) == (401, "invalid_token")
    assert issuer.fetches == 2
    monotonic["now"] += 31
    assert refused(made_up) == (401, "invalid_token")
    assert issuer.fetches == 3
    assert principal(issuer.access_token("k1", now=NOW_S)).role is Role.MERCHANT
    assert issuer.fetches == 3


def test_a_withdrawn_key_is_refused_once_the_cached_set_expires(deployed, issuer, monotonic):
    principal(issuer.access_token("k1", now=NOW_S))
    issuer.publish("k2")  # k1 withdrawn (say, it leaked)
    monotonic["now"] += 299
    principal(issuer.access_token("k1", now=NOW_S))  # the cached set still holds it
    monotonic["now"] += 2
    assert refused(issuer.access_token("k1", now=NOW_S)) == (401, "invalid_token")
    assert issuer.fetches == 2


def test_an_issuer_that_cannot_be_reached_is_503_and_not_remembered(deployed, issuer):
    issuer.status = 500
    token = issuer.access_token("k1", now=NOW_S)
    assert refused(token) == (503, "auth_unavailable")
    issuer.status = 200  # the next request fetches again: a failure is not cached
    assert principal(token).role is Role.MERCHANT
    assert issuer.fetches == 2


# --- refused -------------------------------------------------------------------------------------


def _claims(issuer) -> dict:
    return issuer.claims(now=NOW_S)


REFUSED_401 = {
    "wrong issuer": lambda i: i.access_token(
        "k1", now=NOW_S, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
    "issuer with a trailing slash": lambda i: i.access_token("k1", now=NOW_S, iss=i.url + "/"),
    "no issuer": lambda i: i.access_token("k1", now=NOW_S, iss=None),
    "another app client": lambda i: i.access_token("k1", now=NOW_S, client_id="other-client"),
    "no client_id": lambda i: i.access_token("k1", now=NOW_S, client_id=None),
    "an audience instead of a client_id": lambda i: i.access_token(
        "k1", now=NOW_S, client_id=None, aud=CLIENT_IDS[0]),
    "an ID token where access tokens are accepted": lambda i: i.id_token("k1", now=NOW_S),
    "no token_use": lambda i: i.access_token("k1", now=NOW_S, token_use=None),
    "expired beyond the 30 s leeway": lambda i: i.access_token("k1", now=NOW_S, exp=NOW_S - 31),
    "no exp": lambda i: i.access_token("k1", now=NOW_S, exp=None),
    "not valid yet": lambda i: i.access_token("k1", now=NOW_S, nbf=NOW_S + 31),
    "no sub": lambda i: i.access_token("k1", now=NOW_S, sub=None),
    "an empty sub": lambda i: i.access_token("k1", now=NOW_S, sub=""),
    "signed by a key that is not k1": lambda i: i.access_token("k1", now=NOW_S, signed_by="k3"),
    "alg none": lambda i: unsigned_token({"alg": "none", "typ": "JWT", "kid": "k1"},
                                         _claims(i)),
    "alg None, no kid": lambda i: unsigned_token({"alg": "None"}, _claims(i)),
    "HS256 keyed with the public key PEM": lambda i: hs256_with_public_key(
        "k1", _claims(i)),
    "HS256 with the dev secret": lambda i: jwt.encode(
        {"sub": "m1", "role": "merchant", "exp": NOW_S + 3600}, DEV_JWT_SECRET,
        algorithm="HS256"),
    "RS384 with k1": lambda i: jwt.encode(_claims(i), private_key("k1"), algorithm="RS384",
                                          headers={"kid": "k1"}),
    "no kid": lambda i: jwt.encode(_claims(i), private_key("k1"), algorithm="RS256"),
    "not a JWT": lambda i: "not.a.jwt",
}


@pytest.mark.parametrize("case", sorted(REFUSED_401))
def test_tokens_that_do_not_verify_are_401_invalid_token(deployed, issuer, case):
    assert refused(REFUSED_401[case](issuer)) == (401, "invalid_token")


def test_the_leeway_lets_a_token_29_s_past_its_exp_through(deployed, issuer):
    assert principal(issuer.access_token("k1", now=NOW_S, exp=NOW_S - 29)).role is Role.MERCHANT


def test_exp_is_read_on_the_domain_clock(deployed, issuer, monkeypatch):
    token = issuer.access_token("k1", now=NOW_S, exp=NOW_S + 60)
    assert principal(token)
    monkeypatch.setattr(clock, "source", lambda: FROZEN_NOW + 91_000)
    assert refused(token) == (401, "invalid_token")


@pytest.mark.parametrize(("groups", "code"), [
    ([], "no_role"),
    (None, "no_role"),  # no cognito:groups claim: a user in no group
    (["admins", "beta-testers"], "no_role"),  # groups, none of them a role
    (["Merchant"], "no_role"),  # group names are case-sensitive, as Cognito's are
    (["merchant", "ops"], "ambiguous_role"),
])
def test_a_verified_token_without_exactly_one_role_is_403(deployed, issuer, groups, code):
    assert refused(issuer.access_token("k1", now=NOW_S, groups=groups)) == (403, code)


# --- configured otherwise ------------------------------------------------------------------------


def test_id_tokens_with_a_custom_role_attribute_when_so_configured(monkeypatch, issuer, frozen):
    with deployed_stage(monkeypatch, issuer, SHELF_OIDC_TOKEN_USE="id",
                        SHELF_OIDC_ROLE_CLAIM="custom:role"):
        token = issuer.id_token("k1", now=NOW_S, groups=None, **{"custom:role": "creator"})
        assert principal(token) == Principal(user_id=USER_SUB, role=Role.CREATOR)
        listed = issuer.id_token("k1", now=NOW_S, groups=None, aud=["x", CLIENT_IDS[1]],
                                 **{"custom:role": "ops"})
        assert principal(listed).role is Role.OPS
        for token in (
            issuer.id_token("k1", now=NOW_S, aud="other-client", **{"custom:role": "creator"}),
            issuer.access_token("k1", now=NOW_S, **{"custom:role": "creator"}),
        ):
            assert refused(token) == (401, "invalid_token")
        # the groups claim is not read when the role claim is custom:role
        assert refused(issuer.id_token("k1", now=NOW_S, groups=["ops"])) == (403, "no_role")


def test_a_jwks_url_given_apart_from_the_issuer(monkeypatch, issuer, frozen):
    base = issuer.url.rsplit("/", 1)[0]
    with deployed_stage(monkeypatch, issuer, SHELF_OIDC_JWKS_URL=f"{base}/other/jwks.json"):
        assert get_settings().oidc.jwks_url == f"{base}/other/jwks.json"
        assert principal(issuer.access_token("k1", now=NOW_S)).role is Role.MERCHANT
        assert issuer.fetches == 1


def test_a_deployed_stage_has_no_dev_tokens_and_needs_its_cursor_secret(deployed, monkeypatch):
    monkeypatch.delenv("SHELF_JWT_SECRET", raising=False)
    with pytest.raises(SettingsError, match="SHELF_JWT_SECRET"):
        auth.issue_token("m1", "merchant")  # the template gives a deployed stage no JWT secret
    # and one set by hand only mints tokens the stage refuses
    monkeypatch.setenv("SHELF_JWT_SECRET", "a-deployed-stage-secret-0000000000")
    assert refused(auth.issue_token("m1", "merchant")) == (401, "invalid_token")
    monkeypatch.delenv("SHELF_CURSOR_SECRET")
    with pytest.raises(SettingsError, match="SHELF_CURSOR_SECRET"):
        _ = get_settings().cursor_secret


def test_the_test_stage_keeps_hs256_and_refuses_rs256(issuer, frozen):
    assert get_settings().is_dev
    token = auth.issue_token("m1", "merchant")
    assert principal(token) == Principal(user_id="m1", role=Role.MERCHANT)
    assert refused(issuer.access_token("k1", now=NOW_S)) == (401, "invalid_token")
    assert issuer.fetches == 0  # nothing is fetched on a dev stage


@pytest.mark.parametrize(("env", "message"), [
    ({"SHELF_OIDC_ISSUER": ""}, "SHELF_OIDC_ISSUER must be set"),
    ({"SHELF_OIDC_CLIENT_IDS": " , "}, "SHELF_OIDC_CLIENT_IDS"),
    ({"SHELF_OIDC_TOKEN_USE": "refresh"}, "SHELF_OIDC_TOKEN_USE"),
    ({"SHELF_OIDC_ISSUER": "http://cognito-idp.example.com/pool"}, "https"),
    ({"SHELF_OIDC_JWKS_URL": "http://keys.example.com/jwks.json"}, "https"),
    ({"SHELF_OIDC_JWKS_URL": "file:///etc/passwd"}, "https"),
])
def test_oidc_settings_fail_loudly_when_missing_or_not_https(monkeypatch, issuer, env, message):
    with deployed_stage(monkeypatch, issuer, **env), pytest.raises(SettingsError, match=message):
        _ = get_settings().oidc


def test_oidc_settings_defaults(monkeypatch):
    monkeypatch.setenv("SHELF_STAGE", "prod")
    monkeypatch.setenv("SHELF_OIDC_ISSUER",
                       "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
    monkeypatch.setenv("SHELF_OIDC_CLIENT_IDS", " web , ios ,")
    for name in ("SHELF_OIDC_TOKEN_USE", "SHELF_OIDC_ROLE_CLAIM", "SHELF_OIDC_JWKS_URL"):
        monkeypatch.setenv(name, "")  # the template passes an unset parameter as ""
    get_settings.cache_clear()
    try:
        oidc = get_settings().oidc
    finally:
        get_settings.cache_clear()
    assert oidc.jwks_url == ("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
                             "/.well-known/jwks.json")
    assert oidc.client_ids == frozenset({"web", "ios"})
    assert (oidc.token_use, oidc.role_claim) == ("access", "cognito:groups")
