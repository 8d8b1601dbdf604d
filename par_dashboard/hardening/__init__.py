"""Hardening checks: each a plain function returning figures, used by the tests and the figures command."""
