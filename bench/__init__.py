"""Helpers of the benchmark suite (scripts/bench_suite.py): the measured server process, server time through
AppTest, end to end in Chromium, the agent-API load, the naive baseline page, and the report with budgets.

Not part of the tests: figures depend on the machine. See bench/README.md.
"""
