"""Small-cell protection: an attacker who knows every published number tries to solve
for each hidden cell, alone and by differencing two releases, and fails."""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction

import pytest

from schemas.suppression import (
    PublishedTable,
    Table,
    bridges,
    protect_line,
    protect_table,
    round_to,
)

# --- the attacker ---------------------------------------------------------------------

Constraint = tuple[dict[int, int], int]
"""sum(coef * var) == const."""


class _Solver:
    """Exact bounds of bounded integer variables under linear equations (coefficients
    +1/-1), by bound propagation and depth-first search: complete on small systems."""

    def __init__(self, bounds: list[tuple[int, int]], constraints: list[Constraint]) -> None:
        self.bounds = bounds
        self.constraints = constraints

    def _propagate(self, lo: list[int], hi: list[int]) -> bool:
        changed = True
        while changed:
            changed = False
            for coefs, const in self.constraints:
                for v, c in coefs.items():
                    rest_lo = sum(min(k * lo[u], k * hi[u]) for u, k in coefs.items() if u != v)
                    rest_hi = sum(max(k * lo[u], k * hi[u]) for u, k in coefs.items() if u != v)
                    a, b = const - rest_hi, const - rest_lo  # c * v in [a, b]
                    new_lo, new_hi = (a, b) if c == 1 else (-b, -a)
                    if new_lo > lo[v]:
                        lo[v], changed = new_lo, True
                    if new_hi < hi[v]:
                        hi[v], changed = new_hi, True
                    if lo[v] > hi[v]:
                        return False
        return True

    def feasible(self, lo: list[int], hi: list[int]) -> bool:
        lo, hi = list(lo), list(hi)
        if not self._propagate(lo, hi):
            return False
        open_vars = [v for v in range(len(lo)) if lo[v] < hi[v]]
        if not open_vars:
            return True
        v = min(open_vars, key=lambda u: hi[u] - lo[u])
        for value in range(lo[v], hi[v] + 1):
            lo2, hi2 = list(lo), list(hi)
            lo2[v] = hi2[v] = value
            if self.feasible(lo2, hi2):
                return True
        return False

    def interval(self, var: int) -> tuple[int, int]:
        lo0 = [b[0] for b in self.bounds]
        hi0 = [b[1] for b in self.bounds]
        assert self._propagate(lo0, hi0), "the published numbers are inconsistent"

        def with_value(value: int) -> bool:
            lo, hi = list(lo0), list(hi0)
            lo[var] = hi[var] = value
            return self.feasible(lo, hi)

        low = next(x for x in range(lo0[var], hi0[var] + 1) if with_value(x))
        high = next(x for x in range(hi0[var], low - 1, -1) if with_value(x))
        return low, high


def attack(published: PublishedTable, cap: int) -> dict[tuple[int, int], tuple[int, int]]:
    """For every interior cell, the interval of true counts consistent with every number
    the table shows: the rounded counts, the sums of rounded counts, and that rounded
    counts are multiples of the base. `cap` bounds a hidden rounded count (in counts)."""
    base, half = published.base, published.base // 2
    grid = published.grid()
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    index: dict[tuple[int, int], int] = {}
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value is None:
                index[(i, j)] = len(index)
    bounds = [(0, cap // base)] * len(index)
    constraints: list[Constraint] = []

    def line(cells: list[tuple[int, int]], total: tuple[int, int]) -> None:
        coefs: dict[int, int] = {}
        const = 0
        for p, sign in [*((c, 1) for c in cells), (total, -1)]:
            value = grid[p[0]][p[1]]
            if value is None:
                coefs[index[p]] = coefs.get(index[p], 0) + sign
            else:
                const -= sign * value // base
        if coefs:
            constraints.append((coefs, const))
        else:
            assert const == 0

    for i in range(n_rows + 1):
        line([(i, j) for j in range(n_cols)], (i, n_cols))
    for j in range(n_cols + 1):
        line([(i, j) for i in range(n_rows)], (n_rows, j))
    solver = _Solver(bounds, constraints)
    out = {}
    for i in range(n_rows):
        for j in range(n_cols):
            value = grid[i][j]
            if value is None:
                lo, hi = solver.interval(index[(i, j)])
                lo, hi = lo * base, hi * base
            else:
                lo = hi = value
            out[(i, j)] = (max(0, lo - half), hi + half)
    return out


def determined_by_equations(published: PublishedTable) -> set[tuple[int, int]]:
    """Hidden entries the row and column equations fix, whatever the bounds: those whose
    unit vector lies in the row space of the equations over the hidden entries (exact
    rational Gaussian elimination)."""
    grid = published.grid()
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    hidden = sorted(published.hidden())
    col = {p: k for k, p in enumerate(hidden)}
    rows: list[list[Fraction]] = []
    for i in range(n_rows + 1):
        r = [Fraction(0)] * len(hidden)
        for j in range(n_cols + 1):
            if (i, j) in col:
                r[col[(i, j)]] += -1 if j == n_cols else 1
        rows.append(r)
    for j in range(n_cols + 1):
        r = [Fraction(0)] * len(hidden)
        for i in range(n_rows + 1):
            if (i, j) in col:
                r[col[(i, j)]] += -1 if i == n_rows else 1
        rows.append(r)

    def rank(m: list[list[Fraction]]) -> int:
        m = [list(r) for r in m]
        rk = 0
        for c in range(len(hidden)):
            pivot = next((k for k in range(rk, len(m)) if m[k][c] != 0), None)
            if pivot is None:
                continue
            m[rk], m[pivot] = m[pivot], m[rk]
            for k in range(len(m)):
                if k != rk and m[k][c] != 0:
                    f = m[k][c] / m[rk][c]
                    m[k] = [a - f * b for a, b in zip(m[k], m[rk], strict=True)]
            rk += 1
        return rk

    base_rank = rank(rows)
    out = set()
    for p in hidden:
        unit = [Fraction(int(k == col[p])) for k in range(len(hidden))]
        if rank([*rows, unit]) == base_rank:
            out.add(p)
    return out


# --- tables ---------------------------------------------------------------------------


def random_table(rng: random.Random, small: float = 0.35) -> Table:
    rows = tuple(f"r{i}" for i in range(rng.randint(2, 3)))
    cols = tuple(f"c{j}" for j in range(rng.randint(2, 4)))
    counts = {}
    for r in rows:
        for c in cols:
            roll = rng.random()
            counts[(r, c)] = (
                0
                if roll < 0.15
                else rng.randint(1, 4)
                if roll < small + 0.15
                else rng.randint(5, 30)
            )
    return Table(rows, cols, counts)


def tables(n: int, seed: int) -> Iterator[Table]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test tables, not secrets
    for _ in range(n):
        yield random_table(rng)


SEX = ("female", "male", "other_or_unknown")
FORMS = ("sexual", "forced_labour", "begging")


def test_rounding_is_to_the_nearest_multiple() -> None:
    """Counts round to the nearest multiple of the base, halves up; base 1 keeps them."""
    assert [round_to(v, 5) for v in range(9)] == [0, 0, 0, 5, 5, 5, 5, 5, 10]
    assert round_to(7, 1) == 7
    with pytest.raises(ValueError, match="non-negative"):
        round_to(-1, 5)


def test_small_cell_alone_in_its_row_and_column_takes_complements() -> None:
    """A lone count of 2 would follow from its row total: the smallest non-zero cells
    that close a cycle through it are hidden with it, and the totals stay shown."""
    t = Table(SEX, FORMS, {
        ("female", "sexual"): 2, ("female", "forced_labour"): 30, ("female", "begging"): 12,
        ("male", "sexual"): 40, ("male", "forced_labour"): 8, ("male", "begging"): 17,
        ("other_or_unknown", "sexual"): 6, ("other_or_unknown", "forced_labour"): 9,
        ("other_or_unknown", "begging"): 11,
    })  # fmt: skip
    p = protect_table(t, base=1)
    assert p.primary == {(0, 0)}
    assert p.hidden() == {(0, 0), (0, 2), (2, 0), (2, 2)}
    assert p.row_totals == (44, 65, 26)
    assert p.col_totals == (48, 47, 40)
    assert p.total == 135
    assert bridges(p.hidden()) == []
    assert attack(p, cap=200)[(0, 0)] == (0, 8)


def test_a_small_count_alone_in_its_row_hides_a_total() -> None:
    """When a row holds one non-zero count, only a total can hide with it."""
    t = Table(SEX, FORMS, {("female", "sexual"): 3, ("male", "sexual"): 20,
                           ("male", "begging"): 9, ("other_or_unknown", "forced_labour"): 7,
                           ("other_or_unknown", "begging"): 8})  # fmt: skip
    p = protect_table(t, base=1)
    assert p.cells[0] == (None, 0, 0)
    assert p.row_totals[0] is None
    assert determined_by_equations(p) == set()
    lo, hi = attack(p, cap=200)[(0, 0)]
    assert lo < 3 < hi


@pytest.mark.parametrize("seed", range(3))
def test_no_hidden_cell_follows_from_the_totals(seed: int) -> None:
    """Random tables, no rounding: every count from 1 to 4 is hidden, no hidden entry is
    fixed by the row, column and grand totals, and the attacker's exact interval for
    every hidden cell holds its true value and at least one other."""
    for table in tables(40, seed):
        p = protect_table(table, base=1)
        true = [[table.count(r, c) for c in table.cols] for r in table.rows]
        assert all(0 < true[i][j] < 5 for i, j in p.primary)
        assert all(
            p.cells[i][j] is None
            for i, row in enumerate(true)
            for j, v in enumerate(row)
            if 0 < v < 5
        )
        assert determined_by_equations(p) == set()
        for (i, j), (lo, hi) in attack(p, cap=150).items():
            assert lo <= true[i][j] <= hi
            if p.cells[i][j] is None:
                assert lo < hi, (table, (i, j))


@pytest.mark.parametrize("seed", range(2))
def test_rounded_tables_give_no_count_away(seed: int) -> None:
    """With rounding to 5, the attacker's interval for every count, shown or hidden,
    holds at least three values: a true count is never learnt."""
    for table in tables(30, seed):
        p = protect_table(table)
        true = [[table.count(r, c) for c in table.cols] for r in table.rows]
        assert determined_by_equations(p) == set()
        for (i, j), (lo, hi) in attack(p, cap=150).items():
            assert lo <= true[i][j] <= hi
            assert hi - lo >= 2


def _plus(a: Table, b: Table) -> Table:
    return Table(a.rows, a.cols, {k: a.count(*k) + b.count(*k) for k in {*a.counts, *b.counts}})


def _difference(
    first: PublishedTable, second: PublishedTable
) -> dict[tuple[int, int], tuple[int, int]]:
    """What an attacker learns of the report added between two releases: each release's
    interval for a cell, subtracted."""
    one, two = attack(first, cap=200), attack(second, cap=200)
    return {k: (max(0, two[k][0] - one[k][1]), two[k][1] - one[k][0]) for k in one}


def test_differencing_without_rounding_reveals_the_added_report() -> None:
    """The attack is real: published exactly, a release with report A and one with A + B
    give away B's count of 1 by subtraction."""
    a = Table(
        SEX, FORMS, {(s, f): 10 + 3 * i + j for i, s in enumerate(SEX) for j, f in enumerate(FORMS)}
    )
    b = Table(SEX, FORMS, {("male", "begging"): 1})
    diff = _difference(protect_table(a, base=1), protect_table(_plus(a, b), base=1))
    assert diff[(1, 2)] == (1, 1)


@pytest.mark.parametrize("seed", range(3))
def test_differencing_two_releases_learns_no_small_count(seed: int) -> None:
    """Releases with report A and with A + B, rounded and suppressed: subtracting them
    bounds each of B's counts by an interval that holds it and at least two other
    values, so no count of B below the threshold is learnt."""
    rng = random.Random(100 + seed)  # noqa: S311 - reproducible test tables
    for _ in range(25):
        a = random_table(rng, small=0.2)
        b = Table(a.rows, a.cols, {k: rng.choice([0, 0, 1, 2, 3, 4, 7]) for k in a.counts})
        diff = _difference(protect_table(a), protect_table(_plus(a, b)))
        for (i, j), (lo, hi) in diff.items():
            true = b.count(a.rows[i], a.cols[j])
            assert lo <= true <= hi
            assert hi - lo >= 2, (a, b, (i, j))


def test_line_with_one_small_count_hides_another() -> None:
    """In a line whose total is shown, one small count takes the smallest other count
    with it; alone, it hides the total."""
    line = protect_line({"malformed": 3, "bad_signature": 40, "stale": 12}, base=1)
    assert line.parts == {"bad_signature": 40, "malformed": None, "stale": None}
    assert line.total == 55
    alone = protect_line({"malformed": 3}, base=1)
    assert alone.parts == {"malformed": None}
    assert alone.total is None
    assert protect_line({"a": 2, "b": 1, "c": 9}, base=1).parts == {"a": None, "b": None, "c": 9}
    forced = protect_line({"a": 20, "b": 7, "c": 9}, base=1, total="unknown", hide_at_least=1)
    assert forced.parts == {"a": 20, "b": None, "c": 9}
    assert forced.total is None


def _on_no_cycle(hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Bridges by their definition: an edge whose ends nothing else connects."""
    out = []
    for e in sorted(hidden):
        adjacent: dict[tuple[str, int], set[tuple[str, int]]] = {}
        for i, j in hidden - {e}:
            adjacent.setdefault(("r", i), set()).add(("c", j))
            adjacent.setdefault(("c", j), set()).add(("r", i))
        seen, todo = {("r", e[0])}, [("r", e[0])]
        while todo:
            for nxt in adjacent.get(todo.pop(), set()) - seen:
                seen.add(nxt)
                todo.append(nxt)
        if ("c", e[1]) not in seen:
            out.append(e)
    return out


def test_bridge_search_matches_its_definition() -> None:
    """The linear-time bridge search finds exactly the hidden entries on no cycle."""
    rng = random.Random(7)  # noqa: S311 - reproducible graphs
    for _ in range(400):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        hidden = {(rng.randrange(n), rng.randrange(m)) for _ in range(rng.randint(0, 12))}
        assert bridges(hidden) == _on_no_cycle(hidden)


def test_wide_table_leaves_no_bridge() -> None:
    """A sex-by-nationality table of 200 nationalities, many small: every small count
    hidden, no hidden entry on a bridge."""
    rng = random.Random(8)  # noqa: S311 - a reproducible table
    cols = tuple(f"N{k}" for k in range(200))
    counts = {(s, c): rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15, 40]) for s in SEX for c in cols}
    p = protect_table(Table(SEX, cols, counts))
    assert bridges(p.hidden()) == []
    assert all(
        p.cells[i][j] is None for i, s in enumerate(SEX) for j, c in enumerate(cols)
        if 0 < counts[(s, c)] < 5
    )  # fmt: skip
