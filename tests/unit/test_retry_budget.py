"""The retry budget's arithmetic (chalicelib/store/base.py) holds for the numbers it uses."""

from chalicelib.store import base
from chalicelib.store.products import ProductModel

API_GATEWAY_SECONDS = 29


def test_one_call_fits_inside_api_gateway_on_its_own():
    retries = base.MAX_ATTEMPTS - 1
    throttled_backoff = sum(base.THROTTLE_BACKOFF_SCALE_SECONDS * 2**n for n in range(retries))
    worst = base.MAX_ATTEMPTS * base.ATTEMPT_SECONDS + throttled_backoff
    assert worst == 27  # the docstring's 4 × 5 + 7
    assert worst < API_GATEWAY_SECONDS


def test_every_attempt_ends_before_the_gateway_gives_up():
    assert base.REQUEST_CUTOFF_SECONDS < API_GATEWAY_SECONDS
    assert base.ATTEMPT_SECONDS < base.REQUEST_CUTOFF_SECONDS


def test_models_and_the_shared_connection_use_the_same_budget():
    meta = ProductModel.Meta
    assert (meta.connect_timeout_seconds, meta.read_timeout_seconds) == (1, 4)
    assert meta.max_retry_attempts + 1 == base.MAX_ATTEMPTS  # pynamodb: 1 + retries, standard
    config = base.connection().client.meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": base.MAX_ATTEMPTS}
    assert (config.connect_timeout, config.read_timeout) == (1, 4)
    assert base.client_config().retries == config.retries
