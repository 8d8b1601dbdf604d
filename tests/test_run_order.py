"""The run's order (tests/conftest.py): under `--dist worksteal` each worker's first share of the collection starts
with slow tests, the longest dealt first to the share with the least so far, and the other tests keep their order."""

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import pytest_collection_modifyitems


@dataclass
class _Item:
    nodeid: str
    seconds: float | None = None

    def get_closest_marker(self, name):
        return pytest.mark.slow(self.seconds).mark if name == "slow" and self.seconds is not None else None


def _shares(items: list, workers: int) -> list[list]:
    """What worksteal hands each worker first: the next len(pending) // (workers left) items, in order."""
    out, start = [], 0
    for k in range(workers):
        size = (len(items) - start) // (workers - k)
        out.append(items[start:start + size])
        start += size
    return out


@settings(max_examples=60, deadline=None)
@given(slow=st.lists(st.integers(1, 200), max_size=8), others=st.integers(0, 60), workers=st.integers(1, 4),
       positions=st.randoms(use_true_random=False))
def test_each_workers_first_share_starts_with_its_slow_tests_longest_first(slow, others, workers, positions):
    others = max(others, workers * len(slow))  # as in a real run: a few slow tests among many
    items = [_Item(f"tests/test_x.py::t{i}") for i in range(others)]
    for n, seconds in enumerate(slow):
        items.insert(positions.randrange(len(items) + 1), _Item(f"tests/test_y.py::slow{n}", seconds))
    ordered = list(items)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(workers))
        pytest_collection_modifyitems(None, ordered)
    assert sorted(i.nodeid for i in ordered) == sorted(i.nodeid for i in items)  # the same tests, once each
    assert [i for i in ordered if i.seconds is None] == [i for i in items if i.seconds is None]  # the others in order
    loads = []
    for share in _shares(ordered, workers):
        n = sum(i.seconds is not None for i in share)
        assert all(i.seconds is not None for i in share[:n]), "a share's slow tests come first"
        assert [i.seconds for i in share[:n]] == sorted((i.seconds for i in share[:n]), reverse=True)
        loads.append(sum(i.seconds for i in share[:n]))
    if slow:  # dealt longest first to the least loaded: the shares differ by one test at most
        assert max(loads) - min(loads) <= max(slow)
    else:
        assert ordered == items
