import pytest

from chalicelib.errors import BadRequest
from chalicelib.pagination import decode_cursor, encode_cursor


def test_cursor_round_trip_and_end():
    state = {"key": {"pk": {"S": "x"}}, "version": 3}
    cursor = encode_cursor("list:a", state)
    assert decode_cursor("list:a", cursor) == state
    assert encode_cursor("list:a", None) is None
    assert decode_cursor("list:a", None) is None


@pytest.mark.parametrize("mangle", [
    lambda c: c + "x",
    lambda c: "A" + c[1:],
    lambda c: c.replace(".", ""),
    lambda c: "!!!.???",
])
def test_tampered_cursor_is_rejected(mangle):
    cursor = encode_cursor("list:a", {"key": 1})
    with pytest.raises(BadRequest):
        decode_cursor("list:a", mangle(cursor))


def test_cursor_is_bound_to_its_list():
    cursor = encode_cursor("list:a", {"key": 1})
    with pytest.raises(BadRequest):
        decode_cursor("list:b", cursor)
