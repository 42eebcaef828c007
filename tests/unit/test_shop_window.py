"""The shop-window rule: ≤ 2 of one shop in any 10 consecutive items, across pages too."""

from chalicelib.domain.shop_window import MEMORY, PER_SHOP, WINDOW, arrange, fits


def shop(item):
    return item[0]


def violations(shops: list[str]) -> int:
    """Windows of 10 consecutive items holding more than 2 of one shop."""
    return sum(1 for start in range(max(0, len(shops) - WINDOW + 1))
               if max(shops[start:start + WINDOW].count(s)
                      for s in set(shops[start:start + WINDOW])) > PER_SHOP)


def ranked(spec: str) -> list[tuple[str, int]]:
    """"AAAB" → [("A", 0), ("A", 1), ("A", 2), ("B", 3)]: items in rank order."""
    return [(letter, position) for position, letter in enumerate(spec)]


def test_fits_counts_only_the_last_nine():
    assert fits(["A", "A"], "B")
    assert not fits(["A", "A"], "A")
    assert fits(["A", "A", "B", "C", "D", "E", "F", "G", "H", "I"], "A")  # the first A left


def test_a_blocked_item_is_deferred_not_dropped_and_comes_back_first():
    items = ranked("AAABCDEFGHIJ")
    placed = arrange(items, shop).placed
    shops = [item[0] for item in placed]
    assert sorted(placed) == sorted(items)  # nothing dropped
    # the third A waits until the first A's window of 10 has passed, then goes ahead of J
    assert shops == list("AABCDEFGHIAJ")
    assert violations(shops) == 0


def test_when_only_one_shop_is_left_it_may_follow():
    placed = arrange(ranked("AAAAB"), shop).placed
    assert [item[0] for item in placed] == ["A", "A", "B", "A", "A"]


def test_a_page_boundary_carries_recent_shops_and_deferred_items():
    items = ranked("AAAAABCDEFGHIJKLMNOP")
    whole = [item for item in arrange(items, shop).placed]
    first = arrange(items[:8], shop, limit=5, exhausted=False)
    rest_items = items[first.consumed:]
    second = arrange(rest_items, shop, deferred=first.deferred,
                     recent_shops=first.recent_shops, exhausted=True)
    paged = first.placed + second.placed
    assert paged == whole  # two pages lay out exactly as one long list
    assert "".join(item[0] for item in paged) == "AABCDEFGHIAAJKLMNOPA"  # the last A: alone
    assert len(first.recent_shops) <= MEMORY


def test_not_exhausted_keeps_blocked_items_for_the_next_page():
    result = arrange(ranked("AAA"), shop, exhausted=False)
    assert [item[0] for item in result.placed] == ["A", "A"]
    assert [item[0] for item in result.deferred] == ["A"]


def test_random_lists_break_the_rule_only_when_nothing_left_fits():
    import random

    rng = random.Random(7)
    for _ in range(300):
        shops_in_play = "ABCDEFG"[: rng.randint(1, 7)]
        items = [(rng.choice(shops_in_play), n) for n in range(rng.randint(0, 60))]
        placed = arrange(items, shop).placed
        assert sorted(placed) == sorted(items)
        shops = [item[0] for item in placed]
        for index, item in enumerate(placed):
            if not fits(shops[:index], item[0]):
                assert not any(fits(shops[:index], later[0]) for later in placed[index:])
