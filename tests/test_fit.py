import random

import pytest

from par_dashboard.fit import InfeasibleRanking, RankingConstraints, fit_ranking


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    return {u: 1 + sum(1 for v in scores.values() if v > s) for u, s in scores.items()}


def _constraints(seed: int) -> RankingConstraints:
    rng = random.Random(seed)
    units = [f"u{i}" for i in range(63)]
    return RankingConstraints(
        units, {u: 87 + rng.gauss(0, 3) for u in units},
        scores={"u0": 92.18, "u5": 88.68, "u9": 81.7, "u10": 81.32},
        ranks={"u0": 1, "u1": 2, "u5": 12, "u10": 63},
        mean=86.98, slot_bounds={r: (80.0, 100.0) for r in range(1, 64)})


@pytest.mark.parametrize("seed", range(5))
def test_published_values_ranks_and_mean_hold_exactly(seed):
    c = _constraints(seed)
    out = fit_ranking(c)
    ranks = _ranks(out)
    assert {u: out[u] for u in c.scores} == c.scores
    assert {u: ranks[u] for u in c.ranks} == c.ranks
    assert round(sum(out.values()) * 100) == round(86.98 * 63 * 100)
    assert len(set(out.values())) == 63, "scores are distinct, so ranks are unambiguous"
    assert min(out.values()) >= 80.0


def test_same_input_same_output():
    assert fit_ranking(_constraints(1)) == fit_ranking(_constraints(1))


def test_a_published_score_with_no_room_is_an_error():
    c = RankingConstraints(["a", "b", "c"], {"a": 90, "b": 80, "c": 70},
                           scores={"a": 80.0, "b": 85.0}, ranks={"a": 1, "b": 2})
    with pytest.raises(InfeasibleRanking):
        fit_ranking(c)


def test_an_unreachable_mean_is_an_error():
    c = RankingConstraints(["a", "b"], {"a": 90, "b": 80}, scores={"a": 90.0}, ranks={"a": 1}, mean=99.0)
    with pytest.raises(InfeasibleRanking):
        fit_ranking(c)
