"""The test clock's offset: shared through one file, read at most once per refresh interval."""

import builtins
import json
import logging
import time

import pytest

from chalicelib.domain import clock


class FakeMonotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def monotonic(monkeypatch):
    fake = FakeMonotonic()
    monkeypatch.setattr(clock, "_monotonic", fake)
    monkeypatch.setattr(clock, "_cached", None)
    monkeypatch.setattr(clock, "_warned", set())
    monkeypatch.setattr(clock, "source", None)
    return fake


@pytest.fixture
def clock_file(tmp_path, monkeypatch, monotonic):
    path = tmp_path / "clock.json"
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(path))
    return path


@pytest.fixture
def opens(monkeypatch):
    """The paths this test opens, in order."""
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    return opened


def test_without_the_variable_the_offset_is_zero_and_no_file_is_touched(monkeypatch, monotonic,
                                                                        opens):
    monkeypatch.delenv(clock.CLOCK_FILE_ENV, raising=False)
    for _ in range(3):
        assert clock.offset_ms() == 0
        monotonic.now += 5
    assert opens == []
    with pytest.raises(clock.NoTestClock):
        clock.advance(60)


def test_the_file_is_read_at_most_once_per_refresh_interval(clock_file, monotonic, opens):
    clock_file.write_text(json.dumps({"offset_s": 3600}))
    system_ms = int(time.time() * 1000)
    assert [clock.offset_ms() for _ in range(100)] == [3_600_000] * 100
    assert 3_600_000 <= clock.now_ms() - system_ms < 3_601_000
    assert opens == [str(clock_file)]
    clock_file.write_text(json.dumps({"offset_s": 7200}))  # another process advanced
    monotonic.now += clock.OFFSET_REFRESH_SECONDS - 0.001
    assert clock.offset_ms() == 3_600_000  # not yet read again
    assert len(opens) == 1
    monotonic.now += 0.001
    assert clock.offset_ms() == 7_200_000
    assert opens == [str(clock_file)] * 2


def test_a_missing_or_garbled_file_is_offset_zero_logged_once(clock_file, monotonic, caplog):
    caplog.set_level(logging.WARNING, logger="shelf.clock")
    assert clock.offset_ms() == 0  # missing
    for content in ("{not json", json.dumps({"offset_s": "10"}), json.dumps({"offset_s": -5}),
                    json.dumps([1]), json.dumps({"offset_s": True})):
        clock_file.write_text(content)
        monotonic.now += clock.OFFSET_REFRESH_SECONDS
        assert clock.offset_ms() == 0, content
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "is missing" in messages[0] and "is garbled" in messages[1]


def test_advance_adds_up_and_is_seen_at_once_by_the_process_that_advanced(clock_file,
                                                                          monotonic):
    assert clock.offset_ms() == 0
    assert clock.advance(86_400) == 86_400
    assert clock.offset_ms() == 86_400_000  # no waiting for the refresh interval
    assert clock.advance(clock.MAX_ADVANCE_S) == 86_400 + clock.MAX_ADVANCE_S
    assert clock.advance(clock.MAX_ADVANCE_S) == 86_400 + 2 * clock.MAX_ADVANCE_S  # unbounded
    assert json.loads(clock_file.read_text()) == {"offset_s": 86_400 + 2 * clock.MAX_ADVANCE_S}
    assert not list(clock_file.parent.glob("*.tmp"))  # written aside, then moved in place


def test_advance_refuses_steps_out_of_bounds_and_changes_nothing(clock_file):
    clock.advance(10)
    for step in (0, -1, clock.MAX_ADVANCE_S + 1, 1.5, "60", True):
        with pytest.raises(ValueError):
            clock.advance(step)
    assert json.loads(clock_file.read_text()) == {"offset_s": 10}


def test_advance_reads_the_file_fresh_not_the_cached_offset(clock_file, monotonic):
    clock.advance(100)
    clock_file.write_text(json.dumps({"offset_s": 500}))  # another process advanced meanwhile
    assert clock.advance(1) == 501


def test_reset_goes_back_to_zero(clock_file):
    clock.advance(3600)
    clock.reset()
    assert clock.offset_ms() == 0
    assert json.loads(clock_file.read_text()) == {"offset_s": 0}


def test_a_test_source_wins_over_the_offset(clock_file, monkeypatch):
    clock.advance(3600)
    monkeypatch.setattr(clock, "source", lambda: 1_796_090_400_000)
    assert clock.now_ms() == 1_796_090_400_000


def test_token_lifetimes_are_checked_on_the_clock_with_30_s_leeway(monkeypatch):
    import jwt

    from chalicelib.auth import issue_token, principal_from_headers
    from chalicelib.errors import Unauthorized
    from chalicelib.settings import get_settings

    def accepted(token: str) -> bool:
        try:
            principal_from_headers({"authorization": f"Bearer {token}"})
        except Unauthorized:
            return False
        return True

    moment = {"now": 1_796_090_400_000}
    monkeypatch.setattr(clock, "source", lambda: moment["now"])
    token = issue_token("u1", "shopper", ttl_seconds=60)  # exp: now + 60 s
    assert accepted(token)
    moment["now"] += 89_000  # 29 s past exp: within the leeway
    assert accepted(token)
    moment["now"] += 1_000
    assert not accepted(token)
    moment["now"] -= 10 * 365 * 24 * 3600 * 1000  # issued "in the future": iat is not checked
    assert accepted(token)

    def signed(**claims) -> str:
        return jwt.encode({"sub": "u1", "role": "shopper", **claims},
                          get_settings().jwt_secret, algorithm="HS256")

    now_s = moment["now"] // 1000
    assert not accepted(signed())  # exp is required
    assert not accepted(signed(exp=str(now_s + 60)))
    assert not accepted(signed(exp=now_s + 60, nbf=now_s + 31))
    assert accepted(signed(exp=now_s + 60, nbf=now_s + 29))


def test_make_run_resets_the_clock_on_a_fresh_moto_and_shares_it(tmp_path, monkeypatch,
                                                                  monotonic, capsys):
    from local import run

    monkeypatch.setattr(run, "CLOCK_FILE", tmp_path / "local-clock.json")
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, "")  # unset: make run names its own file
    run._start_test_clock(fresh_database=True)
    assert clock.clock_file() == str(tmp_path / "local-clock.json")
    clock.advance(7 * 86_400)
    run._start_test_clock(fresh_database=False)  # a database you give keeps its moved time
    assert clock.offset_ms() == 7 * 86_400_000
    run._start_test_clock(fresh_database=True)  # a later run on an empty moto starts at 0
    assert clock.offset_ms() == 0
    assert "offset 604800s (kept" in capsys.readouterr().out


def test_make_jobs_and_make_token_join_the_running_clock(tmp_path, monkeypatch):
    from local import run

    monkeypatch.setenv(clock.CLOCK_FILE_ENV, "")
    run.join_test_clock(None)  # no make run up: nothing changes
    assert clock.clock_file() is None
    run.join_test_clock({"dynamodb": "x", "sqs": "x", "clock_file": str(tmp_path / "c.json")})
    assert clock.clock_file() == str(tmp_path / "c.json")
    monkeypatch.setattr(run, "RUN_STATE", tmp_path / "local-run.json")
    assert run.running_stack() is None  # no state left: no make run
    (tmp_path / "local-run.json").write_text(json.dumps(
        {"dynamodb": "http://127.0.0.1:9", "sqs": "http://127.0.0.1:9", "clock_file": "c"}))
    assert run.running_stack() is None  # its endpoints do not answer
