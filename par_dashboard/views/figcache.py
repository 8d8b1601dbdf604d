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
from collections.abc import Callable

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


def _digest_frame(frame: pd.DataFrame, h) -> None:
    """The columns pandas can hash in one call; object columns (DuckDB's LIST values come as numpy arrays, which
    pandas cannot hash) through pickle, which writes an array's dtype and bytes."""
    objects = [c for c, dtype in frame.dtypes.items() if pd.api.types.is_object_dtype(dtype)]
    h.update(pd.util.hash_pandas_object(frame.drop(columns=objects) if objects else frame, index=True).to_numpy().tobytes())
    for column in objects:
        h.update(pickle.dumps(frame[column].tolist(), protocol=pickle.HIGHEST_PROTOCOL))


def _digest(value, h) -> None:
    if isinstance(value, pd.DataFrame):
        h.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
        _digest_frame(value, h)
    elif isinstance(value, pd.Series):
        h.update(str(value.name).encode())
        _digest_frame(value.to_frame(), h)
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


def _memo(builder, *, keep: Callable, give: Callable, limit: int):
    """`builder` keyed by a digest of its arguments: `keep(result)` is stored, `give(stored)` handed to each caller."""
    kept: OrderedDict[str, object] = OrderedDict()
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
            stored = kept.get(key)
            if stored is not None:
                kept.move_to_end(key)
        if stored is None:
            COUNTS["built"] += 1
            stored = keep(builder(*args, **kwargs))
            with lock:
                kept[key] = stored
                while len(kept) > limit:
                    kept.popitem(last=False)
        return give(stored)

    build.cache_clear = kept.clear
    return build


def memo_figure(builder):
    # Always a figure made from the kept dict, first time included: Streamlit derives a chart's widget id from
    # its JSON, which must not change between the run that built it and the next (a click would be lost).
    # Numeric arrays may come back in plotly's typed-array form ({"dtype", "bdata"}), drawn the same.
    # (`builder.__wrapped__` is the builder itself, for tests that read a figure's arrays.)
    return _memo(builder, keep=lambda fig: pickle.dumps(fig.to_plotly_json(), protocol=pickle.HIGHEST_PROTOCOL),
                 give=KeptFigure, limit=MAX_FIGURES)


def memo_table(builder):
    """The same for a function that formats a DataFrame for people (a page's table beside its chart): each caller
    gets a shallow copy, which under pandas' copy-on-write it may change without changing the kept one."""
    return _memo(builder, keep=lambda df: df, give=lambda df: df.copy(deep=False), limit=MAX_FIGURES)


def clear_all() -> None:
    for kept in _MEMOS:
        kept.clear()
