"""The figures command (`python -m tests.hardening`): its table lists every class, whether it ran, raised or was left
out, so that a class cannot silently disappear; and a survey counts every case and every violation without stopping
at the first (tests/hardening/invariants.py). The command itself runs for minutes: `--quick` is run by hand."""

from hypothesis import strategies as st

from tests.hardening.__main__ import EXAMPLES, PARTS, Budget, table
from tests.hardening.invariants import SHOWN, Survey, named, survey

CLASSES = {  # what issue 15 asks the figures to show, each with what its line must say it tried
    "payloads": "payloads: formula", "browser": "server settings", "fuzz": "mutated cases", "faults": "injected",
    "roles": "role × page", "scope": "generated workbooks", "judgement": "sequences of import / rollback",
    "growth": "mixes of extraction-rule fragments", "idempotence": "spellings of them", "downloads": "spreadsheets read back",
    "logins": "sequences", "unseen": "unseen characters", "cli": "commands",
}


def survey_figures(tried: int = 3, violations: int = 0) -> dict:
    result = Survey(tried=tried, violations=violations, failures=[f"case {i}: wrong" for i in range(violations)])
    return result.figures()


def counts(tried: int = 3, violations: int = 0) -> dict:
    return Survey(tried=tried, violations=violations).counts()


# The shapes the parts return (their run_* functions), smallest.
FIGURES = {
    "payloads": {"formula": {"tried": 82, "inert": 82}, "failures": []},
    "browser": {"browser": {"html_script": {"tried": 9, "inert": 9}, "failures": []},
                "settings": {"checks": 12, "passed": 12, "failures": []}},
    "fuzz": {"cases": 869, "crashes": 0, "hangs": 0, "db_changed_on_rejection": 0, "wrong": 0, "seconds": 32.1,
             "targets": {"reader_xlsx": {"cases": 150}}, "failures": []},
    "faults": {"injected": 12, "rows_lost": 0, "inconsistent": 0, "by_kind": {"kill": 2, "damage": 7}, "failures": []},
    "roles": {"checks": 168, "passed": 168, "failures": []},
    "scope": survey_figures(24) | {"attacks": counts(12), "workbooks": counts(12) | {"outcomes": {"loaded": 3}}, "pinned": 2},
    "judgement": survey_figures(3) | {"steps": 9, "damaged": 3, "undamageable": 0},
    "growth": survey_figures(14) | {"bound": 3.0, "cases": {"xlsx_comments": {"title": "xlsx comments", "reader": "xlsx",
                                                                             "growth": 1.1, "sizes": [1000, 16000], "seconds": [0.1, 1.7]}},
                                    "mixes": counts(7) | {"worst": 1.3, "bound": 4.0}},
    "idempotence": survey_figures(8) | {"seeds": counts(3), "spellings": counts(2), "workbooks": counts(3)},
    "downloads": survey_figures(7) | {"pages": 45, "elements": 300, "read_back": 20, "subjects": 7},
    "logins": survey_figures(66) | {"sequences": counts(3) | {"tries": 60}, "modes": counts(63)},
    "unseen": survey_figures(9) | {"keys": counts(5), "limits": counts(4), "unseen_characters": 129, "out_of_range": 14},
    "cli": survey_figures(14) | {"commands": 12},
}


def test_the_table_has_a_line_for_every_class_whatever_ran():
    assert set(PARTS) == set(CLASSES) == set(FIGURES)
    ran = table({"parts": FIGURES, "errors": {}, "failures": []})
    for name, said in CLASSES.items():
        assert said in ran, (name, ran)
    assert "unreadable" not in ran and "not run" not in ran
    # nothing ran: each class still has its line, saying why
    nothing = table({"parts": {}, "errors": {"scope": "OSError: disk full"}, "skipped": {"browser": "--no-browser"}})
    lines = nothing.splitlines()[2:-1]
    assert len(lines) == len(PARTS)
    assert "| scope | did not run: OSError: disk full |" in lines and "| browser | not run (--no-browser) |" in lines
    assert "| cli | not run (not asked for) |" in lines
    # a part whose figures changed shape is said, not dropped
    assert "| cli | figures unreadable (KeyError" in table({"parts": {"cli": {}}, "failures": []})


def test_violations_are_counted_in_the_line_and_the_failures():
    broken = FIGURES | {"scope": survey_figures(24, 2) | {"attacks": counts(12), "workbooks": counts(12, 2), "pinned": 2}}
    shown = table({"parts": broken, "failures": ["scope: case 0: wrong", "scope: case 1: wrong"]})
    assert "2 changed a row of another province" in shown and "| **failures** | **2** |" in shown


def test_budgets_per_class_quick_and_overridden():
    assert set(EXAMPLES) == {"scope", "judgement", "growth", "idempotence", "logins", "unseen"}
    full, quick, every = Budget(), Budget(quick=True), Budget(quick=True, every=7)
    assert all(full.examples(k) > quick.examples(k) >= 1 for k in EXAMPLES)
    assert {every.examples(k) for k in EXAMPLES} == {7}


def test_a_survey_runs_the_pinned_cases_then_the_drawn_ones_and_counts_every_violation():
    seen = []

    def check(n: int) -> list[str]:
        seen.append(n)
        if n == 13:
            raise ValueError("thirteen")
        return [f"{n} is odd"] if n % 2 else []

    result = survey(check, examples=40, cases=[{"n": 13}, {"n": 4}], seed=1, n=st.integers(0, 10_000))
    assert seen[:2] == [13, 4] and result.tried == len(seen) == 42  # every case ran: no stop at the first violation
    odd = sum(n % 2 for n in seen)
    assert result.violations == odd and len(result.failures) == SHOWN
    assert result.failures[0] == "n=13: raised ValueError: thirteen"
    again = survey(check, examples=40, seed=1, n=st.integers(0, 10_000))
    assert again.tried == 40 and seen[-40:] == seen[2:42]  # the same seed, the same cases
    assert named(check, {"four": {"n": 4}, "five": {"n": 5}}).failures == ["five: 5 is odd"]
