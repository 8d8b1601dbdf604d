"""Figures built once per input: a chart builder's result kept (as plotly's plain dict) for the same data.

Building a plotly figure validates every property (60–140 ms for a ranking chart on 2 cores); a rerun that
changes a widget elsewhere on the page rebuilds every chart from the same query results. `memo_figure` keys a
builder's output on its arguments — DataFrames by a hash of their content — and hands back a new Figure made
from the kept dict without validating it again (`_validate=False`: the dict came out of a validated figure).
Callers may change the figure they get; the kept dict is never touched: it is kept pickled, and each caller gets
its own copy unpickled (several times faster than `copy.deepcopy` of the same dict).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.basedatatypes import convert_to_base64

MAX_FIGURES = 64
_MEMOS: list[OrderedDict] = []  # every builder's kept figures (clear_all)
# Builder runs, and those with an argument the key cannot be made of (a silent miss on every rerun, as a numpy bool
# once was): tests check that a page's second run builds nothing.
COUNTS = {"built": 0, "unhashable": 0}


class _Unhashable(Exception):
    pass


def _copied(value):
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class KeptFigure(go.Figure):
    """A figure standing for a kept dict, made into plotly's objects only when something reads or changes it.

    `st.plotly_chart` only calls `to_dict()` on a figure; building plotly's objects from the dict first (which
    copies every trace, a map's whole geometry included) and copying them back with `copy.deepcopy` cost a cached
    rerun of the map page ~200 ms. So `to_dict()` of an untouched KeptFigure is the kept dict unpickled (a copy of
    its own for each caller); any other attribute — `fig.data`, `fig.update_layout(...)`, `copy.deepcopy(fig)` —
    first makes the ordinary plotly figure, after which this is plotly's figure in every respect (its `to_dict`
    copies through pickle rather than `copy.deepcopy`, several times faster, same result).
    """

    _UNTOUCHED = frozenset({"to_dict", "_kept", "_ready", "_materialise", "__class__", "__dict__"})

    def __init__(self, spec: bytes):  # plotly's own __init__ runs on first use (_materialise)
        object.__setattr__(self, "_kept", spec)
        object.__setattr__(self, "_ready", False)

    def __getattribute__(self, name: str):
        if name not in KeptFigure._UNTOUCHED and not object.__getattribute__(self, "_ready"):
            object.__getattribute__(self, "_materialise")()
        return object.__getattribute__(self, name)

    def _materialise(self) -> None:
        object.__setattr__(self, "_ready", True)
        go.Figure.__init__(self, pickle.loads(self._kept), _validate=False)

    def __reduce__(self):  # a copy or a pickle of it is an ordinary figure
        return go.Figure, (self.to_dict(),)

    def to_dict(self) -> dict:
        if not self._ready:
            return pickle.loads(self._kept)
        res = {"data": _copied(self._data), "layout": _copied(self._layout)}
        if frames := _copied([frame._props for frame in self._frame_objs]):
            res["frames"] = frames
        convert_to_base64(res)
        return res


def _digest(value, h) -> None:
    if isinstance(value, pd.DataFrame):
        h.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        h.update(str(value.name).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, (str, int, float, bool, type(None))):
        h.update(repr(value).encode())
    elif isinstance(value, np.generic):  # numpy's scalars: `df.col.any()` is a numpy bool, not a bool
        _digest(value.item(), h)
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
    kept: OrderedDict[str, bytes] = OrderedDict()
    _MEMOS.append(kept)
    lock = threading.Lock()

    @functools.wraps(builder)
    def build(*args, **kwargs):
        h = hashlib.blake2b(builder.__qualname__.encode(), digest_size=20)
        try:
            _digest(args, h)
            _digest(kwargs, h)
        except (_Unhashable, TypeError):
            COUNTS["unhashable"] += 1
            return builder(*args, **kwargs)
        key = h.hexdigest()
        with lock:
            spec = kept.get(key)
            if spec is not None:
                kept.move_to_end(key)
        if spec is None:
            COUNTS["built"] += 1
            spec = pickle.dumps(builder(*args, **kwargs).to_plotly_json(), protocol=pickle.HIGHEST_PROTOCOL)
            with lock:
                kept[key] = spec
                while len(kept) > MAX_FIGURES:
                    kept.popitem(last=False)
        # Always a figure made from the kept dict, first time included: Streamlit derives a chart's widget id from
        # its JSON, which must not change between the run that built it and the next (a click would be lost).
        # Numeric arrays may come back in plotly's typed-array form ({"dtype", "bdata"}), drawn the same.
        # (`builder.__wrapped__` is the builder itself, for tests that read a figure's arrays.)
        return KeptFigure(spec)

    build.cache_clear = kept.clear
    return build


def clear_all() -> None:
    for kept in _MEMOS:
        kept.clear()
