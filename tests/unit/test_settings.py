import pytest

from chalicelib.settings import DEV_JWT_SECRET, Settings, SettingsError


def _settings(stage):
    return Settings(stage=stage, region="us-east-1", table_prefix="t-", service_name="s",
                    metrics_namespace="n", max_body_bytes=1)


def test_dev_stages_fall_back_to_documented_secrets(monkeypatch):
    monkeypatch.delenv("SHELF_JWT_SECRET", raising=False)
    assert _settings("local").jwt_secret == DEV_JWT_SECRET


def test_deployed_stage_refuses_to_run_without_secrets(monkeypatch):
    for name in ("SHELF_JWT_SECRET", "SHELF_PAYMENT_SECRET", "SHELF_CARRIER_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SHELF_CURSOR_SECRET", raising=False)
    prod = _settings("prod")
    for secret in ("jwt_secret", "payment_secret", "carrier_secret", "cursor_secret"):
        with pytest.raises(SettingsError):
            getattr(prod, secret)
    monkeypatch.setenv("SHELF_JWT_SECRET", "x" * 40)
    assert prod.jwt_secret == "x" * 40
    # a deployed stage signs cursors with their own key, never with the JWT secret
    with pytest.raises(SettingsError, match="SHELF_CURSOR_SECRET"):
        _ = prod.cursor_secret
    monkeypatch.setenv("SHELF_CURSOR_SECRET", "c" * 40)
    assert prod.cursor_secret == "c" * 40


def test_dev_stages_sign_cursors_with_the_jwt_secret_unless_given_their_own(monkeypatch):
    monkeypatch.delenv("SHELF_JWT_SECRET", raising=False)
    monkeypatch.delenv("SHELF_CURSOR_SECRET", raising=False)
    assert _settings("test").cursor_secret == DEV_JWT_SECRET
    monkeypatch.setenv("SHELF_CURSOR_SECRET", "c" * 40)
    assert _settings("local").cursor_secret == "c" * 40
