"""Fill a ranking with demo scores that never contradict what was published.

A published table is usually partial: some units with score and rank, some with a rank only, some with a
score only, a national average, group counts (A >= 90, B 80-90, C 70-80), an extreme ("range 75.03-90.61").
`fit_ranking` takes those as hard constraints and the generator's wishes ("desired" scores) as soft ones,
and returns one score per unit, in hundredths, such that:

- every published score and rank is reproduced exactly, ranks being 1 + the number of higher scores;
- scores are distinct, so ranks are unambiguous;
- the plain mean equals the published average to the hundredth;
- each rank slot stays inside its group bounds.

All arithmetic is in integer hundredths, so the mean is exact rather than close.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class InfeasibleRanking(ValueError):
    """The published constraints cannot all hold together (a data error worth a clear message)."""


@dataclass
class RankingConstraints:
    units: list[str]
    desired: dict[str, float]                                         # soft: what the generator would like
    scores: dict[str, float] = field(default_factory=dict)            # published score (rank may be unknown)
    ranks: dict[str, int] = field(default_factory=dict)               # published rank (score may be unknown)
    mean: float | None = None                                         # published plain average
    slot_bounds: dict[int, tuple[float, float]] = field(default_factory=dict)  # rank -> (lo, hi) inclusive
    slot_values: dict[int, float] = field(default_factory=dict)       # rank -> value, unit not published


def cents(x: float) -> int:
    return int(round(x * 100))


def fit_ranking(c: RankingConstraints, floor: float = 0.0, ceiling: float = 100.0) -> dict[str, float]:
    n = len(c.units)
    if len(set(c.units)) != n:
        raise InfeasibleRanking("duplicate units")
    slot_unit: dict[int, str] = {}
    for u, r in c.ranks.items():
        if not 1 <= r <= n or r in slot_unit:
            raise InfeasibleRanking(f"rank {r} of {u} is outside 1..{n} or taken twice")
        slot_unit[r] = u

    fixed: dict[int, int] = {r: cents(v) for r, v in c.slot_values.items()}
    for r, u in slot_unit.items():
        if u in c.scores:
            fixed[r] = cents(c.scores[u])

    # Units with a published score but no rank go to a slot their score fits between the fixed neighbours.
    for u in sorted((u for u in c.scores if u not in c.ranks), key=lambda u: -c.scores[u]):
        v = cents(c.scores[u])
        feasible = [r for r in range(1, n + 1) if r not in slot_unit and r not in fixed
                    and all(fv > v for fr, fv in fixed.items() if fr < r)
                    and all(fv < v for fr, fv in fixed.items() if fr > r)
                    and _in_bounds(c.slot_bounds.get(r), v)]
        if not feasible:
            raise InfeasibleRanking(f"no rank fits the published score {c.scores[u]} of {u}")
        # Where the unit would rank by its desired position among the others, as far as the constraints allow.
        wished = 1 + sum(1 for o in c.units if o != u and c.desired.get(o, 0) > c.scores[u])
        r = min(feasible, key=lambda r: abs(r - wished))
        slot_unit[r] = u
        fixed[r] = v

    # Everyone else fills the free slots in the order of their desired score.
    free_units = sorted((u for u in c.units if u not in slot_unit.values()), key=lambda u: -c.desired[u])
    free_slots = [r for r in range(1, n + 1) if r not in slot_unit]
    for r, u in zip(free_slots, free_units, strict=True):
        slot_unit[r] = u

    # Bounds of every open slot: strictly between the fixed values around it, and inside its group.
    lo: dict[int, int] = {}
    hi: dict[int, int] = {}
    for r in range(1, n + 1):
        if r in fixed:
            continue
        above = [fixed[k] for k in fixed if k < r]
        below = [fixed[k] for k in fixed if k > r]
        gap_above = r - 1 - max((k for k in fixed if k < r), default=0)
        gap_below = min((k for k in fixed if k > r), default=n + 1) - r - 1
        h = min(above) - 1 - gap_above if above else cents(ceiling)
        lo_ = max(below) + 1 + gap_below if below else cents(floor)
        b = c.slot_bounds.get(r)
        if b:
            h, lo_ = min(h, cents(b[1])), max(lo_, cents(b[0]))
        if lo_ > h:
            raise InfeasibleRanking(f"rank {r}: no room between {lo_ / 100} and {h / 100}")
        lo[r], hi[r] = lo_, h

    open_slots = [r for r in range(1, n + 1) if r not in fixed]
    # The open slots take the desired scores of their units, sorted, so the order of slots is kept
    # even where a unit with a published rank wished for a different place.
    wished = sorted((cents(c.desired[slot_unit[r]]) for r in open_slots), reverse=True)
    base = dict(zip(open_slots, wished, strict=False))

    # Runs of consecutive open slots between two fixed values: each run is squeezed, not clipped, into
    # the room it has, so demo values keep their spread instead of piling up against a published one.
    runs: list[list[int]] = []
    for r in open_slots:
        if runs and runs[-1][-1] == r - 1:
            runs[-1].append(r)
        else:
            runs.append([r])

    def values_for(shift: int) -> dict[int, int]:
        out: dict[int, int] = {}
        for run in runs:
            v = [base[r] + shift for r in run]
            top, bottom = hi[run[0]], lo[run[-1]]
            if v[0] <= top and v[-1] >= bottom:
                out.update(zip(run, v, strict=False))
                continue
            new_top = min(top, max(bottom, v[0]))
            new_bottom = max(bottom, min(top, v[-1]))
            if new_top - new_bottom < len(run):  # the run sits wholly outside its room: use a slice of it
                width = max(len(run), (top - bottom) // 3)
                new_top, new_bottom = (top, top - width) if v[-1] > top else (bottom + width, bottom)
            span = (v[0] - v[-1]) or 1
            out.update({r: int(round(new_bottom + (x - v[-1]) * (new_top - new_bottom) / span)) for r, x in zip(run, v, strict=False)})
        return {r: min(hi[r], max(lo[r], x)) for r, x in out.items()}

    if c.mean is not None:
        target_open = cents(c.mean) * n - sum(fixed.values())
        if not sum(lo.values()) <= target_open <= sum(hi.values()):
            raise InfeasibleRanking(f"the published mean {c.mean} cannot be met within the bounds")
        a, b = -100_000, 100_000
        while b - a > 1:  # the sum is monotone in the shift
            mid = (a + b) // 2
            if sum(values_for(mid).values()) < target_open:
                a = mid
            else:
                b = mid
        vals = values_for(b)
    else:
        vals = values_for(0)
        target_open = None

    # Strictly decreasing, within bounds: push ties apart downwards, then upwards where a bound stopped us.
    for r in open_slots:
        above = _value_at(r - 1, fixed, vals)
        if above is not None and vals[r] >= above:
            vals[r] = max(lo[r], above - 1)
    for r in reversed(open_slots):
        below = _value_at(r + 1, fixed, vals)
        if below is not None and vals[r] <= below:
            vals[r] = min(hi[r], below + 1)
    _check_order(n, fixed, vals)

    if target_open is not None:
        _settle_sum(vals, fixed, lo, hi, open_slots, target_open, n)

    out = {slot_unit[r]: v / 100 for r, v in {**fixed, **vals}.items()}
    return out


def _in_bounds(b: tuple[float, float] | None, v: int) -> bool:
    return b is None or cents(b[0]) <= v <= cents(b[1])


def _value_at(r: int, fixed: dict[int, int], vals: dict[int, int]) -> int | None:
    return fixed.get(r, vals.get(r))


def _settle_sum(vals, fixed, lo, hi, open_slots, target, n) -> None:
    """Move single hundredths until the open slots sum to the target, keeping order and bounds."""
    residual = target - sum(vals.values())
    step = 1 if residual > 0 else -1
    guard = 0
    while residual:
        moved = False
        for r in (open_slots if step > 0 else reversed(open_slots)):
            nv = vals[r] + step
            above, below = _value_at(r - 1, fixed, vals), _value_at(r + 1, fixed, vals)
            if lo[r] <= nv <= hi[r] and (above is None or nv < above) and (below is None or nv > below):
                vals[r] = nv
                residual -= step
                moved = True
                if not residual:
                    break
        guard += 1
        if not moved or guard > 100_000:
            raise InfeasibleRanking("cannot settle the published mean exactly")


def _check_order(n, fixed, vals) -> None:
    seq = [_value_at(r, fixed, vals) for r in range(1, n + 1)]
    for a, b in zip(seq, seq[1:], strict=False):
        if not a > b:
            raise InfeasibleRanking(f"constraints leave no strictly decreasing order: {seq}")
