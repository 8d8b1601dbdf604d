"""Percentiles of timing samples, in milliseconds."""

from __future__ import annotations

import math


def percentile(samples: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default), so p95 of 10 samples is not simply
    the maximum and not simply the 9th value."""
    xs = sorted(samples)
    if not xs:
        return math.nan
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(seconds: list[float]) -> dict:
    """n, p50, p95 and max in ms (rounded to 0.1 ms), plus the raw samples for later analysis."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None, "samples_ms": []}
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1), "samples_ms": [round(x, 1) for x in ms]}
