"""Disclosure control for frequency tables: hand-computed cases, a property test that checks
every suppressed table by brute force, and a control showing primary suppression alone leaks.

Pure Python: no database, no Django models.
"""

import math
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, assume, event, given, settings, target
from hypothesis import strategies as st

from grannar.core.suppression import (
    PRIMARY,
    SECONDARY,
    THRESHOLD,
    SuppressedTable,
    feasible_values,
    suppress,
)

# -- Independent checker ---------------------------------------------------------------------


def brute_force(table: SuppressedTable, threshold: int = THRESHOLD) -> dict[str, set[int]]:
    """The values each hidden cell takes over ALL assignments of the hidden cells that fit the
    attacker's knowledge: primary cells in 1..threshold-1, secondary cells in threshold..total,
    summing to total - visible. Plain enumeration, deliberately sharing no logic with the module.
    """
    assert isinstance(table.total, int)
    hidden = [key for key, value in table.cells.items() if isinstance(value, str)]
    remainder = table.total - sum(v for v in table.cells.values() if isinstance(v, int))
    ranges = [
        range(threshold, table.total + 1) if table.cells[key] == SECONDARY else range(1, threshold)
        for key in hidden
    ]
    seen: dict[str, set[int]] = {key: set() for key in hidden}
    chosen: list[int] = []

    def walk(index: int, left: int) -> None:
        if index == len(hidden) - 1:
            # The last cell is whatever is left; it only counts if that is in its range.
            if left in ranges[index]:
                for key, value in zip(hidden, [*chosen, left], strict=True):
                    seen[key].add(value)
            return
        for value in ranges[index]:
            if value > left:
                break
            chosen.append(value)
            walk(index + 1, left - value)
            chosen.pop()

    if hidden:
        walk(0, remainder)
    return seen


def table_with(
    counts: Mapping[str, int],
    *,
    primary: set[str],
    secondary: set[str] | frozenset[str] = frozenset(),
) -> SuppressedTable:
    """A table showing the true total with exactly the given cells hidden."""
    cells: dict[str, int | str] = {
        key: PRIMARY if key in primary else SECONDARY if key in secondary else value
        for key, value in counts.items()
    }
    return SuppressedTable(
        cells=cells, total=sum(counts.values()), hidden=frozenset(primary | secondary)
    )


def search_size(counts: Mapping[str, int], hidden: set[str] | frozenset[str]) -> int:
    """An upper bound on the assignments `brute_force` tries when `hidden` are hidden."""
    total = sum(counts.values())
    return math.prod(min(total, THRESHOLD) if counts[key] < THRESHOLD else total for key in hidden)


def disclosed(table: SuppressedTable) -> set[str]:
    """Hidden cells the brute force pins down to one value."""
    return {key for key, values in brute_force(table).items() if len(values) == 1}


# -- Hand-computed cases ---------------------------------------------------------------------


def test_nothing_under_the_threshold_hides_nothing():
    counts = {"a": 10, "b": 20, "c": 5}
    table = suppress(counts)
    assert table == SuppressedTable(cells=counts, total=35, hidden=frozenset())


def test_one_small_cell_hides_it_and_the_smallest_other_cell():
    table = suppress({"a": 3, "b": 10, "c": 20})
    assert table.cells == {"a": PRIMARY, "b": SECONDARY, "c": 20}
    assert table.total == 33
    assert table.hidden == {"a", "b"}
    # a + b = 13 with a in 1..4 and b >= 5.
    assert feasible_values(table, "a") == {1, 2, 3, 4}
    assert feasible_values(table, "b") == {9, 10, 11, 12}
    assert brute_force(table) == {"a": {1, 2, 3, 4}, "b": {9, 10, 11, 12}}


def test_one_and_five_cannot_be_protected_with_the_total_shown():
    counts = {"a": 1, "b": 5}
    # Hiding the 5 as well is not enough: total 6 = a + b with a >= 1, b >= 5 only splits 1 + 5.
    both_hidden = table_with(counts, primary={"a"}, secondary={"b"})
    assert feasible_values(both_hidden, "a") == {1}
    assert feasible_values(both_hidden, "b") == {5}
    assert disclosed(both_hidden) == {"a", "b"}

    # So the algorithm hides the total too.
    table = suppress(counts)
    assert table == SuppressedTable(
        cells={"a": PRIMARY, "b": SECONDARY}, total=SECONDARY, hidden=frozenset({"a", "b"})
    )
    with pytest.raises(ValueError, match="total is hidden"):
        feasible_values(table, "a")


def test_all_small_cells_that_can_swap_keep_the_total():
    # a + b + c = 6, each in 1..4: every cell can be 1..4.
    table = suppress({"a": 1, "b": 2, "c": 3})
    assert table.cells == {"a": PRIMARY, "b": PRIMARY, "c": PRIMARY}
    assert table.total == 6
    assert all(feasible_values(table, key) == {1, 2, 3, 4} for key in "abc")
    assert brute_force(table) == {key: {1, 2, 3, 4} for key in "abc"}


@pytest.mark.parametrize("counts", [{"a": 4, "b": 4}, {"a": 1, "b": 1}, {"a": 1, "b": 1, "c": 1}])
def test_all_small_cells_at_an_extreme_hide_the_total(counts):
    # 4 + 4 = 8 is only possible as 4 + 4; 1 + 1 only as 1 + 1.
    assert disclosed(table_with(counts, primary=set(counts))) == set(counts)
    table = suppress(counts)
    assert table.total == SECONDARY
    assert set(table.cells.values()) == {PRIMARY}


def test_single_non_zero_cell_hides_the_total():
    table = suppress({"a": 0, "b": 3, "c": 0})
    assert table == SuppressedTable(
        cells={"a": 0, "b": PRIMARY, "c": 0}, total=SECONDARY, hidden=frozenset({"b"})
    )


def test_zeros_are_shown_and_never_used_as_secondary_cells():
    table = suppress({"a": 0, "b": 3, "c": 0, "d": 12, "e": 30})
    assert table.cells == {"a": 0, "b": PRIMARY, "c": 0, "d": SECONDARY, "e": 30}
    assert table.total == 45
    assert table.hidden == {"b", "d"}


def test_secondary_suppression_continues_until_safe():
    # Hiding b (5) leaves a + b = 6 -> 1 + 5; adding c (5) leaves 11 -> 1 + 5 + 5; adding d works.
    counts = {"a": 1, "b": 5, "c": 5, "d": 20}
    assert disclosed(table_with(counts, primary={"a"}, secondary={"b", "c"})) == {"a", "b", "c"}
    table = suppress(counts)
    assert table.cells == {"a": PRIMARY, "b": SECONDARY, "c": SECONDARY, "d": SECONDARY}
    assert table.total == 31
    assert feasible_values(table, "a") == {1, 2, 3, 4}
    assert feasible_values(table, "d") == set(range(5, 21))  # the others can be at their minimum
    assert not disclosed(table)


def test_every_cell_hidden_can_still_show_the_total():
    table = suppress({"a": 1, "b": 5, "c": 6})
    assert table.hidden == {"a", "b", "c"}
    assert table.total == 12
    assert brute_force(table) == {"a": {1, 2}, "b": {5, 6}, "c": {5, 6}}
    assert {key: feasible_values(table, key) for key in "abc"} == brute_force(table)


def test_order_is_kept():
    table = suppress({"z": 40, "a": 2, "m": 7, "b": 0})
    assert list(table.cells) == ["z", "a", "m", "b"]
    assert table.cells == {"z": 40, "a": PRIMARY, "m": SECONDARY, "b": 0}


@pytest.mark.parametrize(
    ("counts", "chosen"), [({"a": 3, "x": 8, "y": 8}, "x"), ({"a": 3, "y": 8, "x": 8}, "y")]
)
def test_ties_are_broken_by_input_order(counts, chosen):
    assert suppress(counts).hidden == {"a", chosen}


def test_empty_table():
    assert suppress({}) == SuppressedTable(cells={}, total=0, hidden=frozenset())


def test_feasible_value_of_a_visible_cell_is_its_value():
    assert feasible_values(suppress({"a": 3, "b": 10, "c": 20}), "c") == {20}


def test_custom_threshold_labels_and_limits():
    table = suppress({"a": 7, "b": 30, "c": 40}, threshold=10)
    assert table.cells == {"a": "<10", "b": SECONDARY, "c": 40}
    # a + b = 37 with a in 1..9 and b >= 10.
    assert feasible_values(table, "a", threshold=10) == set(range(1, 10))
    assert feasible_values(table, "b", threshold=10) == set(range(28, 37))


def test_negative_count_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        suppress({"a": 10, "b": -1})


@pytest.mark.parametrize("bad", ["3", 3.0, True, None])
def test_non_integer_count_is_rejected(bad):
    with pytest.raises(TypeError):
        suppress({"a": 10, "b": bad})


@pytest.mark.parametrize("threshold", [0, 1, 2])
def test_a_threshold_that_cannot_hide_anything_is_rejected(threshold):
    with pytest.raises(ValueError, match="threshold"):
        suppress({"a": 1}, threshold=threshold)


# -- Control: primary suppression alone discloses ----------------------------------------------


@pytest.mark.parametrize(
    ("counts", "leaked"),
    [
        ({"a": 3, "b": 10, "c": 20}, {"a": 3}),  # one hidden cell = total - visible
        ({"a": 4, "b": 4, "c": 9}, {"a": 4, "b": 4}),  # 8 = a + b with a, b <= 4
        ({"a": 1, "b": 1, "c": 50}, {"a": 1, "b": 1}),  # 2 = a + b with a, b >= 1
    ],
)
def test_primary_suppression_alone_discloses(counts, leaked):
    primary = {key for key, value in counts.items() if 0 < value < THRESHOLD}
    primary_only = table_with(counts, primary=primary)
    found = brute_force(primary_only)
    assert {key: values for key, values in found.items() if len(values) == 1} == {
        key: {value} for key, value in leaked.items()
    }
    # ... and the full algorithm closes the leak.
    assert not disclosed(suppress(counts))


# -- Property: no hidden cell is ever disclosed ----------------------------------------------

keys = st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=2)
any_counts = st.dictionaries(keys, st.integers(0, 60), max_size=12)
# Small counts are where suppression happens: many hidden cells and several rounds of secondary
# suppression.
small_counts = st.dictionaries(keys, st.integers(0, 12), min_size=2, max_size=8)
# Cells at the edges of the domains (1, 4, 5, 6) make the "everything at its minimum" tables that
# need many secondary cells or a hidden total.
edge_counts = st.dictionaries(
    keys, st.sampled_from([0, 1, 2, 4, 5, 6, 9, 30]), min_size=2, max_size=8
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(counts=st.one_of(any_counts, small_counts, edge_counts))
def test_no_hidden_cell_is_ever_disclosed(counts):
    table = suppress(counts)
    order = list(counts)
    primary = {key for key, value in counts.items() if 0 < value < THRESHOLD}
    secondary = table.hidden - primary

    # Shape: same keys in the same order; primary cells hidden; shown cells and total true.
    assert list(table.cells) == order
    assert primary <= table.hidden
    assert table.hidden == {key for key, value in table.cells.items() if isinstance(value, str)}
    for key, value in counts.items():
        shown = table.cells[key]
        if key in primary:
            assert shown == PRIMARY
        elif key in secondary:
            assert shown == SECONDARY
            assert value >= THRESHOLD  # zeros are never secondary cells
        else:
            assert shown == value
    assert table.total in (sum(counts.values()), SECONDARY)

    # Secondary cells were taken smallest first, ties by input order.
    visible_non_zero = [key for key in order if key not in table.hidden and counts[key] > 0]
    for hidden_key in secondary:
        for shown_key in visible_non_zero:
            assert (counts[hidden_key], order.index(hidden_key)) < (
                counts[shown_key],
                order.index(shown_key),
            )

    # Keep the brute force to a few milliseconds per table.
    assume(len(table.hidden) <= 7 and search_size(counts, table.hidden) <= 1_000_000)
    # Steer generation towards the hard tables: several rounds of secondary suppression.
    target(len(secondary), label="secondary cells")
    event(f"{len(primary)} primary, {len(secondary)} secondary, total {type(table.total).__name__}")
    if isinstance(table.total, int):
        found = brute_force(table)
        for key in table.hidden:
            assert counts[key] in found[key]
            assert len(found[key]) >= 2, f"{key} disclosed in {table}"
            assert feasible_values(table, key) == found[key]
        if secondary:
            # The last secondary cell was needed: without it something is disclosed.
            last = max(secondary, key=lambda k: (counts[k], order.index(k)))
            assert disclosed(table_with(counts, primary=primary, secondary=secondary - {last}))
    else:
        # The total is hidden only when every non-zero cell is hidden and showing it would
        # still disclose a cell.
        assert not visible_non_zero
        with pytest.raises(ValueError, match="total is hidden"):
            feasible_values(table, next(iter(table.hidden)))
        assert disclosed(table_with(counts, primary=primary, secondary=secondary))
