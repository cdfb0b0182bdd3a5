"""Small-cell protection for published counts: rounding, then cell suppression with
complementary suppression, so that no hidden cell can be worked out from what is shown.

Pure functions, no I/O. Two shapes are protected:

- a two-way table (`Table`) published with its row totals, column totals and grand
  total (`protect_table`);
- a line of counts that add up to a total which is published, or which an attacker may
  know from elsewhere (`protect_line`).

What is published and why (the threat model is written out in docs/statistics.md):

1. **Rounding.** Every count is rounded to a multiple of `base` (default 5, nearest,
   halves up), and every total shown is the sum of the *rounded* counts it adds up.
   Nothing a table publishes is then a function of the true counts other than through
   each count's own rounding, so whatever an attacker combines (the totals, two
   releases of the same table) it can learn a true count at best to within the
   rounding interval: `r - base//2 .. r + base//2` (clipped at zero). Two releases
   that differ by one report are two such roundings of each count, so their difference
   bounds the report's count to at least `base//2 + 1` values: never one for a base of
   2 or more.
2. **Primary suppression.** A count with `0 < count < threshold` (default 5) is not
   shown at all.
3. **Complementary suppression.** The table with its totals is a set of linear
   equations (each row and each column adds up). A hidden entry is derivable from them
   exactly when it is a *bridge* of the bipartite graph whose nodes are the rows and
   columns (the totals' row and column included) and whose edges are the hidden
   entries: summing the equations on one side of a bridge leaves the bridge alone.
   Entries are hidden until no hidden entry is a bridge: each time, the cheapest path
   of shown entries between the two sides of the first bridge is hidden too (non-zero
   cells first, then totals, then zero cells; small before large; ties by position),
   so the result is deterministic. Every hidden entry then lies on a cycle, along which
   the hidden values can move up and down together without changing anything shown,
   and every line of the table holds either no hidden entry or at least two.

Zero cells are shown (rounded, a zero says "0 to base//2"); there are no structural
zeros in these tables, so none is hidden for being impossible.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

DEFAULT_THRESHOLD: Final = 5
DEFAULT_BASE: Final = 5

Position = tuple[int, int]
"""(row, column) in the table with its totals: row `len(rows)` holds the column totals,
column `len(cols)` the row totals; (len(rows), len(cols)) is the grand total."""


def round_to(value: int, base: int) -> int:
    """`value` rounded to the nearest multiple of `base`, halves up (base 1: unchanged)."""
    if value < 0 or base < 1:
        raise ValueError("counts are non-negative and the base is at least 1")
    return (value + base // 2) // base * base


@dataclass(frozen=True)
class Table:
    """True counts of a two-way table: `counts[(row, col)]`, absent keys are zero."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]

    def count(self, row: str, col: str) -> int:
        return self.counts.get((row, col), 0)


@dataclass(frozen=True)
class PublishedTable:
    """What may be shown of a table: rounded counts and totals, `None` where hidden.

    `cells[i][j]` for row `rows[i]`, column `cols[j]`; `row_totals[i]`,
    `col_totals[j]`, `total`. Totals are sums of the rounded counts."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None
    threshold: int
    base: int
    primary: frozenset[Position] = field(default=frozenset(), compare=False, repr=False)
    """Positions hidden because small (kept for tests and reports; never published)."""

    def grid(self) -> list[list[int | None]]:
        """The table with its totals as one grid: the last row and column are totals."""
        out = [[*row, t] for row, t in zip(self.cells, self.row_totals, strict=True)]
        out.append([*self.col_totals, self.total])
        return out

    def hidden(self) -> set[Position]:
        """Positions of every hidden entry, totals included."""
        return {(i, j) for i, row in enumerate(self.grid()) for j, v in enumerate(row) if v is None}


def _check(threshold: int, base: int) -> None:
    if threshold < 1 or base < 1:
        raise ValueError("threshold and base are at least 1")


def protect_table(
    table: Table, threshold: int = DEFAULT_THRESHOLD, base: int = DEFAULT_BASE
) -> PublishedTable:
    """Round, suppress small cells and add complementary suppression (module docstring).

    Raises ValueError for a negative count or a threshold or base below 1."""
    _check(threshold, base)
    n_rows, n_cols = len(table.rows), len(table.cols)
    true = [[table.count(r, c) for c in table.cols] for r in table.rows]
    if any(v < 0 for row in true for v in row):
        raise ValueError("counts are non-negative")
    grid = [[round_to(v, base) for v in row] for row in true]
    for row in grid:
        row.append(sum(row))
    grid.append([sum(grid[i][j] for i in range(n_rows)) for j in range(n_cols + 1)])
    primary = frozenset(
        (i, j) for i in range(n_rows) for j in range(n_cols) if 0 < true[i][j] < threshold
    )
    hidden = _complete(set(primary), grid, true)
    shown = [
        [None if (i, j) in hidden else grid[i][j] for j in range(n_cols + 1)]
        for i in range(n_rows + 1)
    ]
    return PublishedTable(
        rows=table.rows,
        cols=table.cols,
        cells=tuple(tuple(row[:n_cols]) for row in shown[:n_rows]),
        row_totals=tuple(row[n_cols] for row in shown[:n_rows]),
        col_totals=tuple(shown[n_rows][:n_cols]),
        total=shown[n_rows][n_cols],
        threshold=threshold,
        base=base,
        primary=primary,
    )


# --- complementary suppression ---------------------------------------------------------

_Node = tuple[str, int]  # ("r", i) or ("c", j)


def _ends(p: Position) -> tuple[_Node, _Node]:
    return ("r", p[0]), ("c", p[1])


def _reach(start: _Node, edges: Iterable[Position], skip: Position) -> set[_Node]:
    """Nodes reachable from `start` over `edges` without using `skip`."""
    adjacent: dict[_Node, list[_Node]] = {}
    for e in edges:
        if e != skip:
            a, b = _ends(e)
            adjacent.setdefault(a, []).append(b)
            adjacent.setdefault(b, []).append(a)
    seen, todo = {start}, [start]
    while todo:
        for nxt in adjacent.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def bridges(hidden: Iterable[Position]) -> list[Position]:
    """Hidden positions that the row and column equations determine, in order: those
    on no cycle of the bipartite graph of hidden entries (Tarjan's bridge search,
    iterative; the graph has no parallel edges, one entry per row and column)."""
    edges = sorted(set(hidden))
    adjacent: dict[_Node, list[tuple[_Node, Position]]] = {}
    for e in edges:
        a, b = _ends(e)
        adjacent.setdefault(a, []).append((b, e))
        adjacent.setdefault(b, []).append((a, e))
    order: dict[_Node, int] = {}
    low: dict[_Node, int] = {}
    found: list[Position] = []
    for root in sorted(adjacent):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[_Node, Position | None, int]] = [(root, None, 0)]
        while stack:
            node, via, k = stack[-1]
            if k < len(adjacent[node]):
                stack[-1] = (node, via, k + 1)
                nxt, e = adjacent[node][k]
                if e == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, e, 0))
                continue
            stack.pop()
            if stack and via is not None:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append(via)
    return sorted(found)


def _complete(hidden: set[Position], grid: list[list[int]], true: list[list[int]]) -> set[Position]:
    """Hide entries until no hidden entry is a bridge: for the first bridge, the
    cheapest path of shown entries from one side of it to the other closes a cycle
    through it (Dijkstra over rows and columns; ties broken by position)."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1

    def cost(i: int, j: int) -> int:
        is_total = i == n_rows or j == n_cols
        nonzero = grid[i][j] > 0 or (not is_total and true[i][j] > 0)
        # Cells before totals, non-zero before zero (a hidden zero cannot move down),
        # then the smallest.
        return (
            1 + grid[i][j] + (_TOTAL_PENALTY if is_total else 0) + (0 if nonzero else _ZERO_PENALTY)
        )

    while found := bridges(hidden):
        bridge = found[0]
        u, v = _ends(bridge)
        side_u = _reach(u, hidden, bridge)
        side_v = _reach(v, hidden, bridge)
        hidden |= _cheapest_path(side_u, side_v, hidden, bridge, n_rows, n_cols, cost)
    return hidden


_TOTAL_PENALTY: Final = 10**9
_ZERO_PENALTY: Final = 10**12


def _cheapest_path(
    sources: set[_Node],
    targets: set[_Node],
    hidden: set[Position],
    bridge: Position,
    n_rows: int,
    n_cols: int,
    cost: Callable[[int, int], int],
) -> set[Position]:
    """Shown positions on the cheapest path from a node of `sources` to one of
    `targets`, other than over `bridge` (hidden entries cost nothing). One always
    exists: the totals' row and column reach every node."""
    best: dict[_Node, int] = dict.fromkeys(sources, 0)
    came: dict[_Node, tuple[_Node, Position]] = {}
    heap: list[tuple[int, _Node]] = [(0, n) for n in sorted(sources)]
    heapq.heapify(heap)
    while heap:
        dist, node = heapq.heappop(heap)
        if dist > best.get(node, dist):
            continue
        if node in targets:
            path: set[Position] = set()
            while node in came:
                node, edge = came[node]
                path.add(edge)
            return path - hidden
        kind, k = node
        if kind == "r":
            steps = [(("c", j), (k, j)) for j in range(n_cols + 1)]
        else:
            steps = [(("r", i), (i, k)) for i in range(n_rows + 1)]
        for nxt, edge in steps:
            if edge == bridge:
                continue
            d = dist + (0 if edge in hidden else cost(*edge))
            if d < best.get(nxt, d + 1):
                best[nxt] = d
                came[nxt] = (node, edge)
                heapq.heappush(heap, (d, nxt))
    raise AssertionError("the totals connect every row and column")  # pragma: no cover


# --- lines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedLine:
    """A line of rounded counts, `None` where hidden, and its total (sum of the rounded
    counts), `None` if hidden."""

    parts: dict[str, int | None]
    total: int | None


TotalState = Literal["shown", "known", "unknown"]
"""A line's total: published; not published but perhaps known to an attacker from
elsewhere; or neither (another line already keeps it from being derived)."""


def protect_line(
    counts: Mapping[str, int],
    threshold: int = DEFAULT_THRESHOLD,
    base: int = DEFAULT_BASE,
    total: TotalState = "shown",
    force: Iterable[str] = (),
    hide_at_least: int = 0,
) -> PublishedLine:
    """Round `counts` (zeros are left out), hide those below `threshold` and those in
    `force`, hide more (the smallest rounded count first, then by name) until at least
    `hide_at_least` are hidden, and, when the total is shown or known, until the hidden
    counts are none or at least two: with one equation, a hidden count stays free only
    if another is hidden with it. A line with a single count to hide and no other hides
    its total instead (which protects only a total nobody knows from elsewhere)."""
    _check(threshold, base)
    if any(v < 0 for v in counts.values()):
        raise ValueError("counts are non-negative")
    rounded = {k: round_to(v, base) for k, v in sorted(counts.items()) if v > 0}
    hidden = {k for k, v in counts.items() if 0 < v < threshold} | (set(force) & set(rounded))
    need = hide_at_least
    if total != "unknown" and len(hidden) == 1:
        need = max(need, 2)
    others = sorted((v, k) for k, v in rounded.items() if k not in hidden)
    while len(hidden) < need and others:
        hidden.add(others.pop(0)[1])
    hide_total = total != "shown" or (0 < len(hidden) < need)
    return PublishedLine(
        parts={k: None if k in hidden else v for k, v in rounded.items()},
        total=None if hide_total else sum(rounded.values()),
    )
