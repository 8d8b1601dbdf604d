"""Fill a ranking with demo scores that never contradict what was published.

A published table is usually partial: some units with score and rank, some with a rank only, some with a
score only, a national average, regional averages, group counts (A >= 90, B 80-90, C 70-80), an extreme
("range 75.03-90.61"), how many units rose and fell and by how much at most and at least. `fit_ranking` takes
those as hard constraints and the generator's wishes ("desired" scores) as soft ones, and returns one score per
unit, in hundredths, such that:

- every published score and rank is reproduced exactly, ranks being 1 + the number of higher scores;
- scores are distinct, so ranks are unambiguous;
- the plain mean equals the published average to the hundredth, exactly;
- each group's (region's) mean rounds to its published average (a group marked not strict — a published figure
  known to contradict the others — comes as close as the rest allows);
- each rank slot stays inside its group bounds, each unit inside its own bounds (`plan_changes` turns "57 up,
  6 down, largest rise 9.39, smallest 0.03" into such bounds and a few pinned values, given last year's scores).

The method, all in integer hundredths so that sums and means are exact rather than close:

1. Order. Ranked units take their slots; a set of units known to fill a block of ranks ("the 5 lowest") takes
   that block in the order of their wishes; units with a published score but no rank go to the slot nearest
   their wish that their score fits between the fixed values around it; the other units fill the remaining
   slots greedily from the top, highest wish first, except that a unit whose bounds only fit the current slot
   (or whose postponement would leave a later unit with no slot) goes first.
2. Bounds. Every slot gets [lo, hi] from its unit's bounds, its group bounds and the fixed values; a forward
   pass (hi[r] <= hi[r-1] - 1) and a backward pass (lo[r] >= lo[r+1] + 1) make them the exact feasible
   ranges of a strictly decreasing sequence, so an empty range is a contradiction in the published figures.
3. Values. The wishes, shifted per group so each group's mean of wishes is its published mean, are sorted
   into the open slots; each run of open slots between fixed values is squeezed (not clipped) into its room;
   one common shift, found by bisection, brings the sum to the published mean.
4. Exactness. Single hundredths are moved, keeping order and bounds, until the total is exact, then until
   each group's total is the target chosen for it (its published mean times its size, give or take less than
   half a hundredth per unit, so that the totals of the groups add up to the national total); where hundredths
   cannot pass a neighbour, two free units of the groups concerned trade places.
5. Rounds. A group whose fitted total is out of reach gets its wishes shifted and the year is fitted again
   (changes planned anew from the shifted wishes); if the greedy steps still corner themselves, the wishes are
   stirred by seeded noise and it starts over, a bounded number of times, before the published figures are
   declared contradictory (InfeasibleRanking). The same input always gives the same output.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace


class InfeasibleRanking(ValueError):
    """The published constraints cannot all hold together (a data error worth a clear message)."""


@dataclass
class GroupMean:
    units: list[str]
    mean: float
    strict: bool = True   # False: a figure known to contradict the others; as close as they allow
    name: str = ""


@dataclass
class RankingConstraints:
    units: list[str]
    desired: dict[str, float]                                         # soft: what the generator would like
    scores: dict[str, float] = field(default_factory=dict)            # published score (rank may be unknown)
    ranks: dict[str, int] = field(default_factory=dict)               # published rank (score may be unknown)
    mean: float | None = None                                         # published plain average
    slot_bounds: dict[int, tuple[float, float]] = field(default_factory=dict)  # rank -> (lo, hi) inclusive
    slot_values: dict[int, float] = field(default_factory=dict)       # rank -> value, unit not published
    unit_bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # unit -> (lo, hi) inclusive
    group_means: list[GroupMean] = field(default_factory=list)        # disjoint groups (regions)
    rank_blocks: list[tuple[list[str], int]] = field(default_factory=list)  # these units take ranks first.. in some order


def cents(x: float) -> int:
    return int(round(x * 100))


def fit_ranking(c: RankingConstraints, floor: float = 0.0, ceiling: float = 100.0,
                prev: dict[str, float] | None = None, changes: ChangeConstraints | None = None,
                retries: int = 12) -> dict[str, float]:
    """The fitted scores. With `prev` (last year's scores) and `changes` (what was published about the changes
    from them), `plan_changes` first turns the changes into pinned values and unit bounds, from the same wishes.

    The steps are greedy; where they corner themselves, the fit is tried again with the wishes stirred by a
    little noise (seeded by the attempt: the same input always gives the same output), up to `retries` times,
    before the constraints are declared contradictory."""
    try:
        return _fit(c, floor, ceiling, prev, changes)
    except InfeasibleRanking as first:
        for attempt in range(1, retries + 1):
            rng = random.Random(attempt)
            stirred = {u: c.desired[u] + rng.gauss(0, 0.4 * attempt) for u in c.units}
            try:
                return _fit(replace(c, desired=stirred), floor, ceiling, prev, changes)
            except InfeasibleRanking:
                continue
        raise first


def _fit(c: RankingConstraints, floor: float, ceiling: float, prev, changes) -> dict[str, float]:
    n = len(c.units)
    if len(set(c.units)) != n:
        raise InfeasibleRanking("duplicate units")
    floor_c, ceil_c = cents(floor), cents(ceiling)
    plan = prev is not None and changes is not None and changes.any()

    def attempt(shifts: dict[int, float]):
        """One round: wishes shifted per group, changes planned from them, then order, bounds and values."""
        r_c = replace(c, desired=_shifted(c, shifts), scores=dict(c.scores), unit_bounds=dict(c.unit_bounds))
        if plan:
            pinned, bounds = plan_changes(prev, r_c, changes, floor, ceiling)
            r_c.scores.update(pinned)
            for u, (lo_, hi_) in bounds.items():
                old = r_c.unit_bounds.get(u, (-1e9, 1e9))
                r_c.unit_bounds[u] = (max(lo_, old[0]), min(hi_, old[1]))
        ub = _unit_bounds(r_c, floor_c, ceil_c)
        key = {u: min(ub[u][1], max(ub[u][0], cents(r_c.desired[u]))) for u in c.units}
        return r_c, ub, _fit_once(r_c, key, ub, n, floor_c, ceil_c)

    if not c.group_means:
        _, _, (slot_unit, fixed, lo, hi, vals, total) = attempt({})
        _check_order(n, fixed, vals)
        return {slot_unit[r]: v / 100 for r, v in {**fixed, **vals}.items()}
    # Group means: the wishes of each group are shifted until its fitted total is within reach of its target.
    # The order of units (and which of them rise or fall) is decided by the wishes, so a group short of its mean
    # gets more of the higher ranks on the next round (moving hundredths alone cannot move a unit past a
    # neighbour). A round whose order leaves no room for the national mean steps back and halves the correction.
    shifts = {i: 0.0 for i in range(len(c.group_means))}
    step = dict(shifts)
    gain = 1.5
    last: InfeasibleRanking | None = None
    for _ in range(80):
        trial = {i: shifts[i] + step[i] for i in shifts}
        try:
            r_c, ub, (slot_unit, fixed, lo, hi, vals, total) = attempt(trial)
        except InfeasibleRanking as exc:
            last = exc
            if not any(step.values()):
                raise
            step = {i: v / 2 for i, v in step.items()}
            continue
        shifts = trial
        try:
            settled = dict(vals)
            _settle_groups(r_c, settled, fixed, lo, hi, slot_unit, n, total, ub, floor_c, ceil_c)
            _check_order(n, fixed, settled)
            return {slot_unit[r]: v / 100 for r, v in {**fixed, **settled}.items()}
        except InfeasibleRanking as exc:
            last = exc
        unit_slot = {u: r for r, u in slot_unit.items()}
        for i, g in enumerate(c.group_means):
            free = [u for u in g.units if u not in r_c.scores]
            now = sum(_value_at(unit_slot[u], fixed, vals) for u in g.units)
            step[i] = gain * (cents(g.mean) * len(g.units) - now) / len(free) / 100 if free else 0.0
    raise InfeasibleRanking(f"the group means cannot all be met: {last}")


def _fit_once(c, key, ub, n, floor_c, ceil_c):
    """Order, bounds and values for given wishes: (slot -> unit, fixed values, lo, hi, open values, total)."""
    slot_unit: dict[int, str] = {}
    for u, r in c.ranks.items():
        if not 1 <= r <= n or r in slot_unit:
            raise InfeasibleRanking(f"rank {r} of {u} is outside 1..{n} or taken twice")
        slot_unit[r] = u
    for members, first in c.rank_blocks:
        ordered = sorted(members, key=lambda u: (-(cents(c.scores[u]) if u in c.scores else key[u]), u))
        for r, u in enumerate(ordered, start=first):
            if not 1 <= r <= n or r in slot_unit or u in c.ranks:
                raise InfeasibleRanking(f"the block of ranks from {first} cannot take {u}")
            slot_unit[r] = u

    fixed: dict[int, int] = {r: cents(v) for r, v in c.slot_values.items()}
    for r, u in slot_unit.items():
        if u in c.scores:
            fixed[r] = cents(c.scores[u])

    # Units with a published score but no rank go to slots their scores fit between the fixed neighbours, in the
    # order of their scores (highest first, in increasing slots), each as near its wish as leaves room for the
    # ones after it.
    placed = set(slot_unit.values())
    scored = sorted((u for u in c.scores if u not in placed), key=lambda u: (-cents(c.scores[u]), u))
    ranked_fixed = dict(fixed)
    feasible = {}
    for u in scored:
        v = cents(c.scores[u])
        feasible[u] = [r for r in range(1, n + 1) if r not in slot_unit and r not in ranked_fixed
                       and all(fv > v for fr, fv in ranked_fixed.items() if fr < r)
                       and all(fv < v for fr, fv in ranked_fixed.items() if fr > r)
                       and _in_bounds(c.slot_bounds.get(r), v)]
        if not feasible[u]:
            raise InfeasibleRanking(f"no rank fits the published score {c.scores[u]} of {u}")
    latest: dict[str, int] = {}
    bound = n + 1
    for u in reversed(scored):  # the last slot each may take so that every later one still has one below it
        ok = [r for r in feasible[u] if r < bound]
        if not ok:
            raise InfeasibleRanking(f"no rank fits the published score {c.scores[u]} of {u} above the lower ones")
        latest[u] = bound = ok[-1]
    after = 0
    for u in scored:
        v = cents(c.scores[u])
        ok = [r for r in feasible[u] if after < r <= latest[u]]
        if not ok:
            raise InfeasibleRanking(f"no rank fits the published score {c.scores[u]} of {u}")
        wished = 1 + sum(1 for o in c.units if o != u and key[o] > v)
        r = min(ok, key=lambda r: (abs(r - wished), r))
        slot_unit[r] = u
        fixed[r] = v
        placed.add(u)
        after = r

    free_units = [u for u in c.units if u not in placed]
    free_slots = [r for r in range(1, n + 1) if r not in slot_unit]
    # a ranked unit without a score bounds the slots around it as a fixed value would, by its own bounds
    bounding = {r: ub[u] for r, u in slot_unit.items() if r not in fixed}
    for r, u in zip(free_slots, _order_free(free_units, free_slots, key, ub, fixed, c.slot_bounds, n, floor_c, ceil_c,
                                            bounding), strict=True):
        slot_unit[r] = u

    lo, hi = _slot_bounds(n, slot_unit, fixed, ub, c.slot_bounds, floor_c, ceil_c)
    open_slots = [r for r in range(1, n + 1) if r not in fixed]
    # The open slots take the wishes of their units, sorted, so the order of slots is kept even where a unit
    # with a published rank wished for a different place.
    base = dict(zip(open_slots, sorted((key[slot_unit[r]] for r in open_slots), reverse=True), strict=True))
    runs: list[list[int]] = []
    for r in open_slots:
        if runs and runs[-1][-1] == r - 1:
            runs[-1].append(r)
        else:
            runs.append([r])

    def values_for(shift: int) -> dict[int, int]:
        out: dict[int, int] = {}
        for run in runs:  # squeezed, not clipped, into its room: demo values keep their spread
            v = [base[r] + shift for r in run]
            top, bottom = hi[run[0]], lo[run[-1]]
            if v[0] <= top and v[-1] >= bottom:
                out.update(zip(run, v, strict=True))
                continue
            new_top = min(top, max(bottom, v[0]))
            new_bottom = max(bottom, min(top, v[-1]))
            if new_top - new_bottom < len(run):  # the run sits wholly outside its room: use a slice of it
                width = max(len(run), (top - bottom) // 3)
                new_top, new_bottom = (top, top - width) if v[-1] > top else (bottom + width, bottom)
            span = (v[0] - v[-1]) or 1
            out.update({r: int(round(new_bottom + (x - v[-1]) * (new_top - new_bottom) / span)) for r, x in zip(run, v, strict=True)})
        prev = None
        for r in range(1, n + 1):  # strictly decreasing: lo was propagated, so this never goes below it
            if r in fixed:
                prev = fixed[r]
                continue
            x = min(hi[r], max(lo[r], out[r]))
            if prev is not None:
                x = min(x, prev - 1)
            out[r] = x
            prev = x
        return out

    total = None
    if c.mean is not None:
        total = cents(c.mean) * n
        target_open = total - sum(fixed.values())
        if not sum(lo[r] for r in open_slots) <= target_open <= sum(hi[r] for r in open_slots):
            raise InfeasibleRanking(f"the published mean {c.mean} cannot be met within the bounds")
        a, b = -100_000, 100_000
        while b - a > 1:  # the sum is monotone in the shift
            mid = (a + b) // 2
            if sum(values_for(mid).values()) < target_open:
                a = mid
            else:
                b = mid
        vals = values_for(b)
        _settle(vals, fixed, lo, hi, open_slots, target_open)
    else:
        vals = values_for(0)
    return slot_unit, fixed, lo, hi, vals, total


def _unit_bounds(c: RankingConstraints, floor_c: int, ceil_c: int) -> dict[str, tuple[int, int]]:
    ub = {}
    for u in c.units:
        lo_, hi_ = floor_c, ceil_c
        if u in c.unit_bounds:
            lo_, hi_ = max(lo_, cents(c.unit_bounds[u][0])), min(hi_, cents(c.unit_bounds[u][1]))
        if u in c.scores:
            v = cents(c.scores[u])
            if u in c.unit_bounds and not cents(c.unit_bounds[u][0]) <= v <= cents(c.unit_bounds[u][1]):
                raise InfeasibleRanking(f"the published score {c.scores[u]} of {u} is outside its bounds {c.unit_bounds[u]}")
            lo_ = hi_ = v
        if lo_ > hi_:
            raise InfeasibleRanking(f"{u}: no value between {lo_ / 100} and {hi_ / 100}")
        ub[u] = (lo_, hi_)
    return ub


def _shifted(c: RankingConstraints, shifts: dict[int, float]) -> dict[str, float]:
    """The wishes shifted so that each group's wishes average its published mean (plus the group's correction
    `shifts`); units in no group keep theirs."""
    want = {u: float(c.desired[u]) for u in c.units}
    seen: set[str] = set()
    for i, g in enumerate(c.group_means):
        if seen & set(g.units):
            raise InfeasibleRanking("groups overlap")
        seen |= set(g.units)
        free = [u for u in g.units if u not in c.scores]
        if free:
            rest = g.mean * len(g.units) - sum(c.scores[u] for u in g.units if u in c.scores)
            shift = (rest - sum(want[u] for u in free)) / len(free) + shifts.get(i, 0.0)
            for u in free:
                want[u] += shift
    return want


def _order_free(units, slots, key, ub, fixed, slot_bounds, n, floor_c, ceil_c, bounding=None) -> list[str]:
    """The free units in the order they take the free slots: by wish, unless bounds force otherwise."""
    by_wish = sorted(units, key=lambda u: (-key[u], u))
    if all(ub[u] == (floor_c, ceil_c) for u in units):
        return by_wish
    # The values each free slot can hold, given the fixed values around it (and the bounds of ranked units
    # without a score) and its group bounds.
    bounding = bounding or {}
    window = []
    for r in slots:
        above = [fixed[k] - (r - k) for k in fixed if k < r] + [b[1] - (r - k) for k, b in bounding.items() if k < r]
        below = [fixed[k] + (k - r) for k in fixed if k > r] + [b[0] + (k - r) for k, b in bounding.items() if k > r]
        w_hi = min([ceil_c, *above])
        w_lo = max([floor_c, *below])
        if (b := slot_bounds.get(r)) is not None:
            w_lo, w_hi = max(w_lo, cents(b[0])), min(w_hi, cents(b[1]))
        window.append((w_lo, w_hi))
    span = {}
    for u in units:
        ok = [i for i, (w_lo, w_hi) in enumerate(window) if max(w_lo, ub[u][0]) <= min(w_hi, ub[u][1])]
        if not ok:
            raise InfeasibleRanking(f"{u}: no free rank fits its bounds {ub[u][0] / 100}–{ub[u][1] / 100}")
        span[u] = (ok[0], ok[-1])
    order: list[str] = []
    left = list(by_wish)
    for i in range(len(slots)):
        ready = [u for u in left if span[u][0] <= i]
        if any(span[u][1] < i for u in left):
            raise InfeasibleRanking(f"rank {slots[i]}: a unit's bounds left no rank for it")
        choice = None
        for u in ready:  # highest wish first, if the others can still all be placed after it
            others = sorted(span[o][1] for o in left if o != u)
            if all(d >= i + 1 + k for k, d in enumerate(others)):
                choice = u
                break
        if choice is None:
            raise InfeasibleRanking(f"rank {slots[i]}: the units' bounds cannot all be met")
        order.append(choice)
        left.remove(choice)
    return order


def _slot_bounds(n, slot_unit, fixed, ub, slot_bounds, floor_c, ceil_c) -> tuple[dict[int, int], dict[int, int]]:
    lo: dict[int, int] = {}
    hi: dict[int, int] = {}
    for r in range(1, n + 1):
        lo_, hi_ = ub[slot_unit[r]]
        lo_, hi_ = max(lo_, floor_c), min(hi_, ceil_c)
        if (b := slot_bounds.get(r)) is not None:
            lo_, hi_ = max(lo_, cents(b[0])), min(hi_, cents(b[1]))
        if r in fixed:
            if not lo_ <= fixed[r] <= hi_:
                raise InfeasibleRanking(f"rank {r}: the published {fixed[r] / 100} is outside {lo_ / 100}–{hi_ / 100}")
            lo_ = hi_ = fixed[r]
        lo[r], hi[r] = lo_, hi_
    for r in range(2, n + 1):
        hi[r] = min(hi[r], hi[r - 1] - 1)
    for r in range(n - 1, 0, -1):
        lo[r] = max(lo[r], lo[r + 1] + 1)
    for r in range(1, n + 1):
        if lo[r] > hi[r]:
            raise InfeasibleRanking(f"rank {r} ({slot_unit[r]}): no room between {lo[r] / 100} and {hi[r] / 100}")
    return lo, hi


def _in_bounds(b: tuple[float, float] | None, v: int) -> bool:
    return b is None or cents(b[0]) <= v <= cents(b[1])


def _value_at(r: int, fixed: dict[int, int], vals: dict[int, int]) -> int | None:
    return fixed.get(r, vals.get(r))


def _settle(vals, fixed, lo, hi, slots, target) -> None:
    """Move single hundredths of `slots` until they sum to `target`, keeping order and bounds."""
    residual = target - sum(vals[r] for r in slots)
    step = 1 if residual > 0 else -1
    while residual:
        moved = False
        for r in (slots if step > 0 else reversed(slots)):
            nv = vals[r] + step
            above, below = _value_at(r - 1, fixed, vals), _value_at(r + 1, fixed, vals)
            if lo[r] <= nv <= hi[r] and (above is None or nv < above) and (below is None or nv > below):
                vals[r] = nv
                residual -= step
                moved = True
                if not residual:
                    break
        if not moved:
            raise InfeasibleRanking(f"cannot settle a published mean exactly ({residual} hundredths short over "
                                    f"ranks {slots[:3]}…, {len(slots)} open)")


def _settle_groups(c: RankingConstraints, vals, fixed, lo, hi, slot_unit, n, total, ub, floor_c, ceil_c) -> None:
    """Each group's total to a target: its published mean times its size, give or take less than half a
    hundredth per unit, chosen so that all the targets add up to the national total where one is fixed.

    Hundredths go from a group over its target to one under it: a hundredth off one unit onto another where
    order and bounds allow, else two free units of those groups trade places (the higher value to the group
    that needs it), which moves the difference of their values at once."""
    groups = list(c.group_means)
    group_of = {u: i for i, g in enumerate(groups) for u in g.units}
    ideal = [cents(g.mean) * len(g.units) for g in groups]
    slack = [(len(g.units) - 1) // 2 if g.strict else 10**9 for g in groups]
    covered = len(group_of) == n
    rest = len(groups)  # the units in no group, if any: a group with no target of its own

    def value(r: int) -> int:
        return fixed[r] if r in fixed else vals[r]

    def sums() -> list[int]:
        out = [0] * (len(groups) + 1)
        for r in range(1, n + 1):
            out[group_of.get(slot_unit[r], rest)] += value(r)
        return out

    current = sums()
    if total is not None and covered:
        targets = list(ideal)
        residual = total - sum(targets)
        order = sorted(range(len(groups)), key=lambda i: (not groups[i].strict, -slack[i], i))
        step = 1 if residual > 0 else -1
        while residual:
            moved = False
            for i in order:
                room = [j for j in order if groups[j].strict and abs(targets[j] + step - ideal[j]) <= slack[j]]
                if (groups[i].strict and i in room) or (not groups[i].strict and not room):
                    targets[i] += step
                    residual -= step
                    moved = True
                    if not residual:
                        break
            if not moved:
                raise InfeasibleRanking("the published group means cannot all hold with the national mean")
    else:
        targets = [min(ideal[i] + slack[i], max(ideal[i] - slack[i], current[i])) for i in range(len(groups))]
    if total is not None and not covered:
        targets.append(current[rest] - (sum(targets) - sum(current[:rest])))
    else:
        targets.append(current[rest])
    movable = {r for r in range(1, n + 1) if r not in fixed}
    swappable = {r for r in movable if slot_unit[r] not in c.ranks
                 and all(slot_unit[r] not in m for m, _ in c.rank_blocks)}

    def can(r: int, step: int) -> bool:
        v = vals[r] + step
        above = value(r - 1) if r > 1 else None
        below = value(r + 1) if r < n else None
        return lo[r] <= v <= hi[r] and (above is None or v < above) and (below is None or v > below)

    for _ in range(100_000):
        current = sums()
        need = [t - s_ for t, s_ in zip(targets, current, strict=True)]
        if total is None:  # no national total to keep: a group moves on its own, the others stay as they are
            need[rest] = 0
            if not any(need):
                return
            g = max(range(len(need)), key=lambda i: (abs(need[i]), -i))
            step = 1 if need[g] > 0 else -1
            movers = [r for r in sorted(movable, reverse=step < 0) if group_of.get(slot_unit[r], rest) == g and can(r, step)]
            if not movers:
                raise InfeasibleRanking(f"cannot bring the group totals to their published means ({need})")
            vals[movers[0]] += step
            continue
        if not any(need):
            return
        # the neediest group takes from the one most over its target
        g = max(range(len(need)), key=lambda i: (need[i], -i))
        h = min(range(len(need)), key=lambda i: (need[i], i))
        up = [r for r in sorted(movable) if group_of.get(slot_unit[r], rest) == g and can(r, 1)]
        down = [r for r in sorted(movable, reverse=True) if group_of.get(slot_unit[r], rest) == h and can(r, -1)]
        pair = next(((a, b) for a in up for b in down if abs(a - b) > 1), None)
        if pair is None and up and down:
            pair = (up[0], down[0]) if abs(up[0] - down[0]) != 1 else None
        if pair is not None:
            a, b = pair
            vals[a] += 1
            if can(b, -1):
                vals[b] -= 1
                continue
            vals[a] -= 1
        amount = min(need[g], -need[h])
        best = None
        for r in sorted(swappable):  # a unit of h above a unit of g: they trade places
            if group_of.get(slot_unit[r], rest) != h:
                continue
            for s2 in sorted(swappable):
                if s2 <= r or group_of.get(slot_unit[s2], rest) != g:
                    continue
                gain = value(r) - value(s2)
                uh, ug = slot_unit[r], slot_unit[s2]
                if 0 < gain <= amount and ub[ug][0] <= value(r) <= ub[ug][1] and ub[uh][0] <= value(s2) <= ub[uh][1]:
                    if best is None or gain > best[0]:
                        best = (gain, r, s2)
        if best is None:
            raise InfeasibleRanking(f"cannot bring the group totals to their published means ({need})")
        _, r, s2 = best
        slot_unit[r], slot_unit[s2] = slot_unit[s2], slot_unit[r]
        new_lo, new_hi = _slot_bounds(n, slot_unit, fixed, ub, c.slot_bounds, floor_c, ceil_c)
        lo.update(new_lo)
        hi.update(new_hi)
    raise InfeasibleRanking("cannot bring the group totals to their published means")


def _check_order(n, fixed, vals) -> None:
    seq = [_value_at(r, fixed, vals) for r in range(1, n + 1)]
    for a, b in zip(seq, seq[1:], strict=False):
        if not a > b:
            raise InfeasibleRanking(f"constraints leave no strictly decreasing order: {seq}")


# ------------------------------------------------------------------------------------------------ changes

@dataclass
class ChangeConstraints:
    """What a source says about this year's changes from last year's scores. Extremes are (value, unit or
    None); falls are negative ("9 provinces fell, by 0.21 to 2.94 points": max_fall -2.94, min_fall -0.21)."""
    up: int | None = None
    down: int | None = None
    max_rise: tuple[float, str | None] | None = None
    min_rise: tuple[float, str | None] | None = None
    max_fall: tuple[float, str | None] | None = None
    min_fall: tuple[float, str | None] | None = None
    changes: dict[str, float] = field(default_factory=dict)   # unit -> its stated change

    def any(self) -> bool:
        return any(x is not None for x in (self.up, self.down, self.max_rise, self.min_rise, self.max_fall,
                                           self.min_fall)) or bool(self.changes)


def plan_changes(prev: dict[str, float], c: RankingConstraints, cc: ChangeConstraints, floor: float = 0.0,
                 ceiling: float = 100.0) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Pinned scores and per-unit bounds that make the year's changes what was published, given last year's
    scores `prev` and this year's constraints `c` (its published scores and ranks, group bounds, wishes).

    Units go down, stay or go up so that the counts hold: those whose wished change is lowest go down, those
    whose wished change is nearest zero stay (pinned at last year's score), the rest go up. An extreme the
    source names is pinned on its unit; one it does not name is pinned on the unit that wished for it most
    (the largest rise on the largest wished rise), provided the value fits between the year's fixed ranks. Every
    other unit is bounded strictly inside the extremes, so each extreme is held by exactly one unit. A unit
    ranked first or last with no published score is pinned first, at the highest (lowest) value its possible
    changes reach. A unit goes only where its range this year lets it (`unit_ranges`), and no more units are sent
    above (or below) a value than there are free ranks there (`rank_capacities`): a rise that would put one too
    many above a published score becomes a fall, and the fallen unit that wished most to rise rises instead, so
    the counts still hold."""
    desired, fixed = c.desired, c.scores
    units = sorted(u for u in prev if u in desired)
    pc = {u: cents(prev[u]) for u in units}
    pinned: dict[str, int] = {}
    taken = {cents(v) for v in fixed.values()}
    fits = fits_predicate(c)
    rng_c = {u: (cents(r[0]), cents(r[1])) for u, r in unit_ranges(c, floor, ceiling).items()}

    def interval(u: str, k: int) -> tuple[int, int]:
        """The values of class k (fall -1, tie 0, rise 1) within the unit's range."""
        lo_, hi_ = rng_c.get(u, (-10**9, 10**9))
        if k == 1:
            a = pc[u] + (cents(cc.min_rise[0]) + 1 if cc.min_rise else 1)
            b = pc[u] + cents(cc.max_rise[0]) - 1 if cc.max_rise else 10**9
        elif k == -1:
            a = pc[u] + cents(cc.max_fall[0]) + 1 if cc.max_fall else -10**9
            b = pc[u] + (cents(cc.min_fall[0]) - 1 if cc.min_fall else -1)
        else:
            a = b = pc[u]
        return max(a, lo_), min(b, hi_)

    def possible(u: str, k: int) -> bool:
        a, b = interval(u, k)
        return a <= b

    def pin(u: str, v: int, ranked: bool = False) -> None:
        if v in taken or not (ranked or fits(v)):
            raise InfeasibleRanking(f"{u}: the stated change gives {v / 100}, which no rank can hold")
        pinned[u] = v
        taken.add(v)

    for u, delta in sorted(cc.changes.items()):
        if u in pc and u not in fixed:
            pin(u, pc[u] + cents(delta))
    for ext in (cc.max_rise, cc.min_rise, cc.max_fall, cc.min_fall):
        if ext and ext[1] and ext[1] in pc and ext[1] not in fixed and ext[1] not in pinned:
            pin(ext[1], pc[ext[1]] + cents(ext[0]))
    n = len(c.units)
    for u, r in sorted(c.ranks.items()):
        if u in pc and u not in fixed and u not in pinned and r in (1, n):
            counted = {u2: cents(fixed[u2]) for u2 in units if u2 in fixed} | pinned
            taken_k = Counter((v > pc[u2]) - (v < pc[u2]) for u2, v in counted.items())
            room = {k: (cc.up, len(units) - cc.up - cc.down, cc.down)[1 - k] - taken_k[k] if cc.up is not None
                    and cc.down is not None else 1 for k in (-1, 0, 1)}
            ends = [interval(u, k)[0 if r == n else 1] for k in (-1, 0, 1) if possible(u, k) and room[k] > 0]
            if ends:
                pin(u, min(ends) if r == n else max(ends), ranked=True)
    edged = RankingConstraints(c.units, c.desired, {**c.scores, **{u: v / 100 for u, v in pinned.items() if u in c.ranks}},
                               c.ranks, c.mean, c.slot_bounds, c.slot_values, c.unit_bounds, c.group_means, c.rank_blocks)
    capacities = rank_capacities(edged)
    fits = fits_predicate(edged)

    known = {u: cents(fixed[u]) for u in units if u in fixed} | pinned
    d = {u: cents(desired[u]) - pc[u] for u in units}
    free = sorted((u for u in units if u not in known), key=lambda u: (d[u], u))
    cls: dict[str, int] = {u: (v > pc[u]) - (v < pc[u]) for u, v in known.items()}

    if cc.up is not None and cc.down is not None:
        want = {1: cc.up, -1: cc.down, 0: len(units) - cc.up - cc.down}
        need = {k: want[k] - sum(1 for v in cls.values() if v == k) for k in want}
        if min(need.values()) < 0:
            raise InfeasibleRanking(f"published scores already make more rises/falls/ties than stated: {need}")
        for u in free:  # a unit that can only fall (rise) does, whatever it wished
            ways = [k for k in (-1, 1) if possible(u, k)]
            if not ways and not possible(u, 0):
                raise InfeasibleRanking(f"{u} can neither fall, stay nor rise within its range")
            if len(ways) == 1 and not possible(u, 0) and need[ways[0]] > 0:
                cls[u] = ways[0]
                need[ways[0]] -= 1
        for u in free:  # then the lowest wished changes fall
            if u not in cls and need[-1] and possible(u, -1):
                cls[u] = -1
                need[-1] -= 1
        rest = [u for u in free if u not in cls]
        for u in sorted(rest, key=lambda u: (abs(d[u]), u)):  # ties: the wished changes nearest zero
            if need[0] == 0:
                break
            if pc[u] not in taken and fits(pc[u]) and possible(u, 0):
                pin(u, pc[u])
                cls[u] = 0
                need[0] -= 1
        if need[0] or need[-1]:
            raise InfeasibleRanking(f"not enough units can fall or keep last year's score: {need}")
        for u in rest:
            if u not in cls:
                if not possible(u, 1):
                    raise InfeasibleRanking(f"{u} can neither fall nor rise within its range")
                cls[u] = 1

    def unnamed(ext, sign: int, pick_max: bool) -> None:
        if not ext or ext[1]:
            return
        if any(v - pc[u] == cents(ext[0]) for u, v in known.items()):
            return  # a published score already makes this change
        pool = [u for u in units if u not in known and u not in pinned and cls.get(u, sign) == sign]
        for u in sorted(pool, key=lambda u: ((-d[u] if pick_max else d[u]), u)):
            v = pc[u] + cents(ext[0])
            if v not in taken and fits(v):
                pin(u, v)
                return
        # none of its class can: a unit of the other class takes it, and trades classes with one of this class
        others = [u for u in units if u not in known and u not in pinned and cls.get(u) == -sign]
        for u in sorted(others, key=lambda u: ((-d[u] if pick_max else d[u]), u)):
            v = pc[u] + cents(ext[0])
            back = sorted((w for w in pool if possible(w, -sign)), key=lambda w: ((d[w] if sign > 0 else -d[w]), w))
            if v not in taken and fits(v) and back:
                cls[u], cls[back[0]] = sign, -sign
                pin(u, v)
                return
        raise InfeasibleRanking(f"no unit can take the stated extreme change {ext[0]}")

    unnamed(cc.max_rise, 1, True)
    unnamed(cc.min_rise, 1, False)
    unnamed(cc.max_fall, -1, False)
    unnamed(cc.min_fall, -1, True)
    if cc.up is not None and cc.down is not None:
        # every unit without a rank counts where it can be: published and pinned ones at their value
        valued = {u: cents(fixed[u]) for u in units if u in fixed} | pinned
        _respect_capacities([u for u in units if u not in c.ranks], cls, d, valued, capacities, interval, possible,
                            len(units))

    holders = {ext[1] for ext in (cc.max_rise, cc.min_rise, cc.max_fall, cc.min_fall) if ext and ext[1]}
    holders |= {u for u, v in (known | pinned).items() if any(ext and v - pc[u] == cents(ext[0])
                                                              for ext in (cc.max_rise, cc.min_rise, cc.max_fall, cc.min_fall))}
    bounds: dict[str, tuple[float, float]] = {}
    for u in units:
        lo_, hi_ = -10**9, 10**9
        k = cls.get(u)
        if k == 1:
            lo_ = pc[u] + (cents(cc.min_rise[0]) + (u not in holders) if cc.min_rise else 1)
            hi_ = pc[u] + cents(cc.max_rise[0]) - (u not in holders) if cc.max_rise else hi_
        elif k == -1:
            hi_ = pc[u] + (cents(cc.min_fall[0]) - (u not in holders) if cc.min_fall else -1)
            lo_ = pc[u] + cents(cc.max_fall[0]) + (u not in holders) if cc.max_fall else lo_
        elif k is None:  # counts not stated: only the extremes bound the change
            if cc.max_rise:
                hi_ = pc[u] + cents(cc.max_rise[0]) - (u not in holders)
            if cc.max_fall:
                lo_ = pc[u] + cents(cc.max_fall[0]) + (u not in holders)
        if u in known:
            if not lo_ <= known[u] <= hi_:
                raise InfeasibleRanking(f"{u}: {known[u] / 100} after {pc[u] / 100} contradicts the stated changes")
            continue
        bounds[u] = (lo_ / 100, hi_ / 100)
    return {u: v / 100 for u, v in pinned.items()}, bounds


def fits_predicate(c: RankingConstraints) -> Callable[[int], bool]:
    """Whether a value (hundredths) of a unit with no rank could sit in some free rank between the fixed ones."""
    n = len(c.units)
    fixed = {r: cents(v) for r, v in c.slot_values.items()}
    fixed |= {r: cents(c.scores[u]) for u, r in c.ranks.items() if u in c.scores}
    ranked = set(c.ranks.values()) | {r for members, first in c.rank_blocks for r in range(first, first + len(members))}
    free = [r for r in range(1, n + 1) if r not in ranked and r not in fixed]

    def fits(v: int) -> bool:
        return any(all(fv > v for fr, fv in fixed.items() if fr < r) and all(fv < v for fr, fv in fixed.items() if fr > r)
                   and _in_bounds(c.slot_bounds.get(r), v) for r in free)
    return fits


def unit_ranges(c: RankingConstraints, floor: float = 0.0, ceiling: float = 100.0) -> dict[str, tuple[float, float]]:
    """Where each unit can be at all, before any order is chosen: a ranked unit within its slot's room between
    the fixed values around it, any other unit within the room of some free slot; and within its own bounds."""
    n = len(c.units)
    floor_c, ceil_c = cents(floor), cents(ceiling)
    fixed = {r: cents(v) for r, v in c.slot_values.items()}
    fixed |= {r: cents(c.scores[u]) for u, r in c.ranks.items() if u in c.scores}
    ranked = set(c.ranks.values()) | {r for members, first in c.rank_blocks for r in range(first, first + len(members))}

    def window(r: int) -> tuple[int, int]:
        w_hi = min([ceil_c, *(fixed[k] - (r - k) for k in fixed if k < r)])
        w_lo = max([floor_c, *(fixed[k] + (k - r) for k in fixed if k > r)])
        if (b := c.slot_bounds.get(r)) is not None:
            w_lo, w_hi = max(w_lo, cents(b[0])), min(w_hi, cents(b[1]))
        return w_lo, w_hi

    free = [window(r) for r in range(1, n + 1) if r not in ranked and r not in fixed]
    free_lo = min((w[0] for w in free), default=floor_c)
    free_hi = max((w[1] for w in free), default=ceil_c)
    out = {}
    for u in c.units:
        lo_, hi_ = window(c.ranks[u]) if u in c.ranks else (free_lo, free_hi)
        if u in c.unit_bounds:
            lo_, hi_ = max(lo_, cents(c.unit_bounds[u][0])), min(hi_, cents(c.unit_bounds[u][1]))
        out[u] = (lo_ / 100, hi_ / 100)
    return out


def rank_capacities(c: RankingConstraints) -> list[tuple[int, int, int]]:
    """(side, value, n): at most n units without a rank can be above (side 1) or below (side -1) the value (in
    hundredths), because only n free ranks lie above (below) a fixed value or a group boundary."""
    n = len(c.units)
    fixed = {r: cents(v) for r, v in c.slot_values.items()}
    fixed |= {r: cents(c.scores[u]) for u, r in c.ranks.items() if u in c.scores}
    ranked = set(c.ranks.values()) | {r for members, first in c.rank_blocks for r in range(first, first + len(members))}
    free = [r for r in range(1, n + 1) if r not in ranked and r not in fixed]
    out = []
    for k, v in sorted(fixed.items()):
        out.append((1, v, sum(1 for r in free if r < k)))
        out.append((-1, v, sum(1 for r in free if r > k)))
    for r in range(1, n):
        b, b_next = c.slot_bounds.get(r), c.slot_bounds.get(r + 1)
        if b_next is not None and (b is None or b_next[1] < b[1]):
            out.append((1, cents(b_next[1]), sum(1 for x in free if x <= r)))
        if b is not None and (b_next is None or b[0] > b_next[0]):
            out.append((-1, cents(b[0]) - 1, sum(1 for x in free if x > r)))
    return out


def _respect_capacities(free, cls, d, pinned, capacities, interval, possible, n_units) -> None:
    """Turn rises into falls (or falls into rises) where a class would send more units above (below) a value than
    there are free ranks there, swapping with the unit of the other class that wished most for the change.
    `free`: the units without a rank; `pinned`: those of them whose value is known (counted, never moved)."""
    def interval(u: str, k: int, _interval=interval) -> tuple[int, int]:
        return (pinned[u], pinned[u]) if u in pinned else _interval(u, k)

    moved: set[str] = set()
    for _ in range(4 * n_units + 4):
        changed = False
        for side, v, cap in capacities:
            if side == 1:
                crowd = [u for u in free if u in cls and interval(u, cls[u])[0] > v]
            else:
                crowd = [u for u in free if u in cls and interval(u, cls[u])[1] < v]
            if len(crowd) <= cap:
                continue
            flip = -side  # a rise that crowds the top becomes a fall, a fall that crowds the bottom a rise
            movers = sorted((u for u in crowd if cls[u] == side and u not in pinned and u not in moved and possible(u, flip)
                             and (interval(u, flip)[0] <= v if side == 1 else interval(u, flip)[1] >= v)),
                            key=lambda u: (d[u] * side, u))
            for u in movers[:len(crowd) - cap]:
                back = sorted((w for w in free if cls.get(w) == flip and w not in pinned and w not in moved
                               and possible(w, side)
                               and (interval(w, side)[0] <= v if side == 1 else interval(w, side)[1] >= v)),
                              key=lambda w: (-d[w] * side, w))
                if not back:
                    raise InfeasibleRanking(f"too many units above/below {v / 100} and none to trade places with")
                cls[u], cls[back[0]] = flip, side
                moved |= {u, back[0]}
                changed = True
        if not changed:
            return
    raise InfeasibleRanking("the stated rises and falls do not fit the published ranks")
