"""local.lanes: a step forked beside another on in-process moto, its writes merged back."""

import pytest

from local import lanes


def _table():
    from chalicelib.store.shops import ShopModel

    return ShopModel.Meta.table_name


def _client():
    from chalicelib.store.base import connection

    return connection().client


def _put(shop_id: str, **attributes) -> None:
    item = {"shop_id": {"S": shop_id}, **{name: {"S": value} for name, value in attributes.items()}}
    _client().put_item(TableName=_table(), Item=item)


def _set(shop_id: str, name: str, value: str) -> None:
    _client().update_item(TableName=_table(), Key={"shop_id": {"S": shop_id}},
                          UpdateExpression="SET #n = :v", ExpressionAttributeNames={"#n": name},
                          ExpressionAttributeValues={":v": {"S": value}})


def _delete(shop_id: str) -> None:
    _client().delete_item(TableName=_table(), Key={"shop_id": {"S": shop_id}})


def _get(shop_id: str) -> dict | None:
    item = _client().get_item(TableName=_table(), Key={"shop_id": {"S": shop_id}}).get("Item")
    return None if item is None else {name: value["S"] for name, value in item.items()}


def test_the_forked_steps_writes_are_merged_beside_this_processes(aws):
    _put("s1", name="old", logo="a")
    _put("s2", name="gone")

    def forked():
        _set("s1", "name", "new")  # an attribute this process leaves alone
        _put("s3", name="made there")
        _delete("s2")
        return "forked result"

    def here():
        _set("s1", "logo", "b")
        return "here result"

    assert lanes.together(forked, here, fork="first") == ("forked result", "here result")
    assert _get("s1") == {"shop_id": "s1", "name": "new", "logo": "b"}
    assert _get("s2") is None
    assert _get("s3") == {"shop_id": "s3", "name": "made there"}


def test_fork_second_returns_the_results_in_order(aws):
    assert lanes.together(lambda: 1, lambda: _put("s9", name="x") or 2, fork="second") == (1, 2)
    assert _get("s9") == {"shop_id": "s9", "name": "x"}


@pytest.mark.parametrize("forked_write, here_write", [
    (lambda: _set("s1", "name", "theirs"), lambda: _set("s1", "name", "ours")),
    (lambda: _delete("s1"), lambda: _set("s1", "logo", "ours")),
    (lambda: _set("s1", "logo", "theirs"), lambda: _delete("s1")),
    (lambda: _put("s5", name="theirs"), lambda: _put("s5", name="ours")),
], ids=["same attribute", "deleted there", "deleted here", "created by both"])
def test_a_conflict_raises_and_merges_nothing(aws, forked_write, here_write):
    _put("s1", name="old")

    def forked():
        forked_write()
        _put("s7", name="also there")

    with pytest.raises(lanes.LaneConflict):
        lanes.together(forked, here_write, fork="first")
    assert _get("s7") is None  # not half merged


def test_the_same_change_on_both_sides_is_no_conflict(aws):
    _put("s1", name="old")
    lanes.together(lambda: _set("s1", "name", "new"), lambda: _set("s1", "name", "new"),
                   fork="first")
    assert _get("s1") == {"shop_id": "s1", "name": "new"}


def test_a_failing_forked_step_raises_with_its_traceback_and_merges_nothing(aws):
    def forked():
        _put("s4", name="written before the failure")
        raise ValueError("the step broke")

    with pytest.raises(lanes.LaneFailed, match="ValueError: the step broke"):
        lanes.together(forked, lambda: None, fork="first")
    assert _get("s4") is None


def test_without_fork_the_steps_run_in_order(aws):
    order = []
    lanes.together(lambda: order.append("first"), lambda: order.append("second"), fork=None)
    assert order == ["first", "second"]


def test_a_store_thread_pool_works_in_the_forked_child(aws):
    from chalicelib.store.base import worker_pool

    worker_pool("lanes-test", 2).submit(int).result()  # the parent's pool has a thread now

    def forked():
        return worker_pool("lanes-test", 2).submit(lambda: "ran in the child").result(timeout=5)

    assert lanes.together(forked, lambda: None, fork="first")[0] == "ran in the child"
