"""Test settings: set before anything imports chalicelib (table names are read at import)."""

import os

import pytest

os.environ["SHELF_STAGE"] = "test"
os.environ.pop("SHELF_JWT_SECRET", None)
os.environ.pop("SHELF_TEST_CLOCK_FILE", None)  # no test clock unless a test sets one
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ShelfTest")


@pytest.fixture
def issuer():
    """A local OIDC issuer serving its JWKS with one key, "k1" (tests/oidc_support.py)."""
    from tests.oidc_support import serve_jwks

    with serve_jwks() as served:
        served.publish("k1")
        yield served
