"""A test's clock reaches every module, including those that imported now_ms by name."""

from chalicelib.domain import clock
from chalicelib.services import orders


def test_a_clock_source_is_seen_through_names_imported_before_it_was_set(monkeypatch):
    monkeypatch.setattr(clock, "source", lambda: 1_796_090_400_000)
    assert orders.now_ms() == clock.now_ms() == 1_796_090_400_000
    monkeypatch.setattr(clock, "source", None)
    assert orders.now_ms() != 1_796_090_400_000
