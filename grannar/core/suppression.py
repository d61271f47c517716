"""Statistical disclosure control for one-dimensional frequency tables of people counts.

Tables such as "participants by municipality" are shown to non-admin users together with their
total. Small counts could identify people, so:

* Primary suppression: a cell with a count of 1 to threshold - 1 is hidden and shown as "<5".
  A zero is not sensitive (nobody can be identified in an empty cell) and is shown as 0.
* Secondary suppression: the total and the visible cells are an equation for the hidden cells. If
  that equation still pins down a hidden cell's exact value, more cells are hidden (shown as "..")
  - smallest visible non-zero cell first, ties by input order - until every hidden cell has at
  least two values consistent with what is shown.
* If even hiding every non-zero cell leaves a cell determined (a single non-zero cell, or all
  cells at the bottom of their ranges), the total is hidden as well.

The attacker model: the attacker knows the total (when shown), every visible cell, that a "<5"
cell is in 1..threshold - 1 and that a ".." cell is at least the threshold (only cells that were
not primary-suppressed and not zero are ever chosen). Under that model the only constraint is one
linear equation with interval domains, so the feasible values of each hidden cell form an interval
that can be computed exactly without enumeration (see `_feasible_intervals`).

Not covered by this model: an attacker who also knows *how* the secondary cells were chosen (each
".." cell is at most the smallest visible non-zero cell) or who combines several tables over the
same people (differencing). Callers that publish overlapping tables must take care of that.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
PRIMARY = f"<{THRESHOLD}"  # shown for a primary-suppressed cell
SECONDARY = ".."  # shown for a secondary-suppressed cell (and for a suppressed total)

# A hidden cell's domain as the attacker sees it: (lowest, highest) with None meaning unbounded.
_Domain = tuple[int, int | None]


@dataclass(frozen=True)
class SuppressedTable:
    """A frequency table ready to show.

    `cells` has the input's keys in the input's order; a shown cell holds its count, a hidden one
    holds the primary label (`PRIMARY` for the default threshold, "<N" for threshold N) or
    `SECONDARY`. `total` is the true total, or `SECONDARY` when it had to be hidden. `hidden` is
    the set of keys of hidden cells.
    """

    cells: dict[str, int | str]
    total: int | str
    hidden: frozenset[str]


def primary_label(threshold: int = THRESHOLD) -> str:
    """The text shown for a primary-suppressed cell under `threshold`."""
    return f"<{threshold}"


def suppress(counts: Mapping[str, int], *, threshold: int = THRESHOLD) -> SuppressedTable:
    """Hide the cells of `counts` (and if need be its total) so that no hidden value is disclosed.

    Raises ValueError for a negative count or a threshold below 3, TypeError for a non-integer
    count. The result is deterministic: it depends only on the counts and their order.
    """
    _check_threshold(threshold)
    for key, value in counts.items():
        # bool is an int subclass; a True in a table of people counts is a bug upstream.
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"count for {key!r} must be an int, not {type(value).__name__}")
        if value < 0:
            raise ValueError(f"count for {key!r} is negative: {value}")

    primary = [key for key, value in counts.items() if 0 < value < threshold]
    # sorted() is stable, so equal counts keep their input order: the tie-break is deterministic.
    candidates = sorted(
        (key for key, value in counts.items() if value >= threshold), key=counts.get
    )
    secondary: list[str] = []
    total: int | str = sum(counts.values())

    while not _is_safe(counts, primary, secondary, threshold):
        if len(secondary) == len(candidates):
            # Every non-zero cell is hidden and the total still determines one of them: without
            # the total there is no equation left to solve.
            total = SECONDARY
            break
        secondary.append(candidates[len(secondary)])

    label = primary_label(threshold)
    hidden_primary, hidden_secondary = set(primary), set(secondary)
    cells: dict[str, int | str] = {}
    for key, value in counts.items():
        if key in hidden_primary:
            cells[key] = label
        elif key in hidden_secondary:
            cells[key] = SECONDARY
        else:
            cells[key] = value
    return SuppressedTable(cells=cells, total=total, hidden=frozenset(primary + secondary))


def feasible_values(table: SuppressedTable, key: str, *, threshold: int = THRESHOLD) -> set[int]:
    """Every value of cell `key` consistent with what `table` shows, as seen by the attacker.

    A visible cell gives its own value. For a hidden cell the shown total and visible cells leave
    one equation, `sum(hidden) == total - sum(visible)`, with each primary cell in
    1..threshold - 1 and each secondary cell at least `threshold`. `threshold` must be the one
    `suppress` used.

    Raises ValueError when the total is hidden: there is then no equation, so a hidden cell may
    take any value of its domain, which for a secondary cell is unbounded and cannot be returned as
    a set. Raises KeyError for an unknown key.
    """
    _check_threshold(threshold)
    shown = table.cells[key]
    if isinstance(shown, int):
        return {shown}
    if not isinstance(table.total, int):
        raise ValueError("the total is hidden: a hidden cell may take any value of its domain")

    hidden_keys = [k for k, v in table.cells.items() if isinstance(v, str)]
    visible_sum = sum(v for v in table.cells.values() if isinstance(v, int))
    domains = [_domain(table.cells[k] == SECONDARY, threshold) for k in hidden_keys]
    low, high = _feasible_intervals(table.total - visible_sum, domains)[hidden_keys.index(key)]
    # An empty range means the table is inconsistent (not one that suppress() produced).
    return set(range(low, high + 1))


def _check_threshold(threshold: int) -> None:
    # With a threshold of 2 a "<2" cell can only be 1, so primary suppression would hide nothing.
    if threshold < 3:
        raise ValueError(f"threshold must be at least 3, not {threshold}")


def _domain(secondary: bool, threshold: int) -> _Domain:
    return (threshold, None) if secondary else (1, threshold - 1)


def _is_safe(
    counts: Mapping[str, int], primary: Sequence[str], secondary: Sequence[str], threshold: int
) -> bool:
    """True when every hidden cell has at least two values consistent with the shown total."""
    hidden = [*primary, *secondary]
    if not hidden:
        return True
    remainder = sum(counts[key] for key in hidden)
    domains = [_domain(False, threshold)] * len(primary) + [_domain(True, threshold)] * len(
        secondary
    )
    return all(high > low for low, high in _feasible_intervals(remainder, domains))


def _feasible_intervals(remainder: int, domains: Sequence[_Domain]) -> list[tuple[int, int]]:
    """For each domain, the (low, high) range of values it can take in a solution of
    `sum(cells) == remainder` with every cell in its domain.

    A value v of cell i is feasible iff v is in its own domain and remainder - v lies between the
    smallest and the largest sum the other cells can make. Both the domains and the set of sums the
    others can make are contiguous integer ranges, so the feasible values are a range too: this is
    exact, not an approximation. Each range is computed in O(1) from running totals.
    """
    min_sum = sum(low for low, _ in domains)
    unbounded = sum(1 for _, high in domains if high is None)
    bounded_max_sum = sum(high for _, high in domains if high is not None)

    intervals = []
    for low, high in domains:
        others_min = min_sum - low
        if unbounded - (1 if high is None else 0) > 0:
            # Some other cell can absorb any excess, so the remainder puts no floor on this one.
            floor = low
        else:
            others_max = bounded_max_sum - (0 if high is None else high)
            floor = max(low, remainder - others_max)
        ceiling = remainder - others_min if high is None else min(high, remainder - others_min)
        intervals.append((floor, ceiling))
    return intervals
