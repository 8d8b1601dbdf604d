"""Invariants checked two ways with one body: by the tests, and by the figures command.

Each class of check (tests/hardening/scope.py, judgement.py, growth.py, idempotence.py, downloads.py, logins.py,
unseen.py, cli.py) holds its strategies, its pinned examples and its check bodies. A check body returns the list of
what is wrong with one case (empty: nothing), never asserts:

- a test asserts that the list is empty, under `@given` with hypothesis's shrinking and example database and its
  pinned `@example`s (`pinned`), on a small budget;
- the figures command (`python -m tests.hardening`) `survey`s the same body over the same strategies with a larger
  budget: the pinned cases first, then `examples` generated ones, each case counted and each violation recorded
  (a case that raises is one too), none stopping the survey.

A test and the figures command therefore cannot drift apart: changing what is checked changes both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import InvalidArgument

SHOWN = 5  # violations kept, with their case, per survey (all are counted)
_outcomes: list[Counter] = []  # the survey running, if any: what kind of case each was


def note(label: str) -> None:
    """Say what kind of case this was: an event in hypothesis's statistics under a test, a count in a survey."""
    if _outcomes:
        _outcomes[-1][label] += 1
    try:
        event(label)
    except InvalidArgument:  # a named case run outside hypothesis
        pass


def pinned(cases: Iterable[dict]) -> Callable:
    """`@example(**case)` for each case: the counter-examples found before a fix and the reported cases, run first by
    the test (and by the survey, which is given the same list)."""
    def apply(test):
        for case in reversed(list(cases)):
            test = example(**case)(test)
        return test
    return apply


@dataclass
class Survey:
    """Cases tried, cases with a violation, and the first few of those, with what was wrong."""

    tried: int = 0
    violations: int = 0
    failures: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    def run(self, check: Callable[..., list[str]], case: dict, label: str | None = None) -> list[str]:
        """One case: `check(**case)`; an exception it raises is a violation too (a survey never stops)."""
        self.tried += 1
        try:
            wrong = list(check(**case))
        except Exception as exc:  # noqa: BLE001 - whatever the case raises is what the survey reports
            wrong = [f"raised {type(exc).__name__}: {str(exc)[:300]}"]
        if wrong:
            self.violations += 1
            if len(self.failures) < SHOWN:
                shown = label or ", ".join(f"{k}={_short(v)}" for k, v in case.items())
                self.failures.append(f"{shown}: {'; '.join(map(str, wrong))[:600]}")
        return wrong

    def add(self, other: Survey) -> Survey:
        self.tried += other.tried
        self.violations += other.violations
        self.failures += other.failures[: max(0, SHOWN - len(self.failures))]
        self.outcomes += other.outcomes
        return self

    def counts(self) -> dict:
        """The figures without the failures (a part of a class: its failures are the class's)."""
        return {"tried": self.tried, "violations": self.violations, "outcomes": dict(self.outcomes)}

    def figures(self) -> dict:
        return self.counts() | {"failures": list(self.failures)}


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"


def survey(check: Callable[..., list[str]], *, examples: int, cases: Iterable[dict] = (), seed: int = 0,
           into: Survey | None = None, **strategies) -> Survey:
    """`check` on each of `cases` (the pinned examples), then on `examples` cases drawn from `strategies` (keyword
    arguments of `check`, as `@given` takes them). Generation only, with a fixed seed and no example database: a
    survey counts and reports every violation rather than shrinking the first (the tests do that)."""
    result = into or Survey()
    _outcomes.append(result.outcomes)
    try:
        for case in cases:
            result.run(check, case)
        if examples <= 0 or not strategies:
            return result

        @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @hypothesis_seed(seed)
        @given(**strategies)
        def drawn(**case):
            result.run(check, case)

        drawn()
    finally:
        _outcomes.pop()
    return result


def named(check: Callable[..., list[str]], cases: dict[str, dict], into: Survey | None = None) -> Survey:
    """`check(**case)` for each named case (the attacks a test names one by one)."""
    result = into or Survey()
    for label, case in cases.items():
        result.run(check, case, label)
    return result
