"""Query results and the tables derived from them, kept in memory once for every session of the process.

Why not `st.cache_data`: it pickles a result when it stores it and unpickles it on every hit, so a cached rerun of
the inspections page spent ~60 ms copying the same frames back (cProfile, scale 1), and it bounds a cache by its
number of entries, not by memory (a whole-country findings view holds tens of MB). Here:
- a hit hands back a *shallow* copy of the kept DataFrame: no data is copied, and since pandas 3 always copies on
  write, a caller that changes its copy (adds a column, assigns a cell) changes only its own — the kept frame is
  never touched;
- the cache is bounded by bytes (`PAR_CACHE_MB`, 512 MB by default), least recently used first out;
- one computation per key at a time: sessions asking for the same view while it is being computed wait for it
  instead of running the same query side by side on the same two cores. A computation may ask for other keys (a
  derived table for its query, a deck for its queries), never the other way round — queries ask for nothing — so
  two computations cannot wait on each other.
Keys carry the data version, so an import makes every older entry unreachable; they age out.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd


def size_of(value: Any) -> int:
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    if isinstance(value, (dict, list, tuple)):
        return 64 + sum(size_of(v) + 64 for v in (value.values() if isinstance(value, dict) else value))
    if isinstance(value, str):
        return 49 + len(value.encode())
    if isinstance(value, bytes):
        return 33 + len(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a deck: its slides, their tables
        return 64 + sum(size_of(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 64


def share(value: Any) -> Any:
    """What a caller gets: a copy it may change without changing the kept value, made without copying data."""
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, (dict, list)):
        return copy.copy(value)
    return value


class ResultCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.bytes = self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return share(self._items[key][0])
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if key in self._items:  # computed by another session while this one waited
                    self.hits += 1
                    return share(self._items[key][0])
            try:
                value = compute()
                self._keep(key, value)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return share(value)

    def _keep(self, key: Hashable, value: Any) -> None:
        size = size_of(value)
        with self._lock:
            self.misses += 1
            if size > self.max_bytes:
                return  # larger than the whole cache: computed for this caller only
            if key in self._items:
                self.bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


RESULTS = ResultCache(int(float(os.environ.get("PAR_CACHE_MB", "512")) * 2**20))
