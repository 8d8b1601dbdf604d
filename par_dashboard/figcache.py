"""Figures built once per input: a chart builder's result kept (as plotly's plain dict) for the same data.

Building a plotly figure validates every property (60–140 ms for a ranking chart on 2 cores); a rerun that
changes a widget elsewhere on the page rebuilds every chart from the same query results. `memo_figure` keys a
builder's output on its arguments — DataFrames by a hash of their content — and hands back a new Figure made
from the kept dict without validating it again (`_validate=False`: the dict came out of a validated figure).
Callers may change the figure they get; the kept dict is never touched.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import threading
from collections import OrderedDict

import pandas as pd
import plotly.graph_objects as go

MAX_FIGURES = 64


class _Unhashable(Exception):
    pass


def _digest(value, h) -> None:
    if isinstance(value, pd.DataFrame):
        h.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        h.update(str(value.name).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, (str, int, float, bool, type(None))):
        h.update(repr(value).encode())
    elif isinstance(value, (list, tuple)):
        h.update(b"[")
        for item in value:
            _digest(item, h)
        h.update(b"]")
    elif isinstance(value, dict) and value.get("type") == "FeatureCollection":
        # a layer's geometry is fixed per unit id (data/geo/): its features' ids name it
        h.update(repr([f.get("id") for f in value.get("features", [])]).encode())
    elif isinstance(value, dict):
        h.update(b"{")
        for k in sorted(value, key=repr):
            _digest(k, h)
            _digest(value[k], h)
        h.update(b"}")
    else:
        raise _Unhashable(type(value).__name__)


def memo_figure(builder):
    kept: OrderedDict[str, dict] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(builder)
    def build(*args, **kwargs):
        h = hashlib.blake2b(builder.__qualname__.encode(), digest_size=20)
        try:
            _digest(args, h)
            _digest(kwargs, h)
        except (_Unhashable, TypeError):
            return builder(*args, **kwargs)
        key = h.hexdigest()
        with lock:
            spec = kept.get(key)
            if spec is not None:
                kept.move_to_end(key)
        if spec is None:
            spec = copy.deepcopy(builder(*args, **kwargs).to_plotly_json())
            with lock:
                kept[key] = spec
                while len(kept) > MAX_FIGURES:
                    kept.popitem(last=False)
        # Always a figure made from the kept dict, first time included: Streamlit derives a chart's widget id from
        # its JSON, which must not change between the run that built it and the next (a click would be lost).
        # Numeric arrays may come back in plotly's typed-array form ({"dtype", "bdata"}), drawn the same.
        # (`builder.__wrapped__` is the builder itself, for tests that read a figure's arrays.)
        return go.Figure(copy.deepcopy(spec), _validate=False)

    build.cache_clear = kept.clear
    return build
