"""What a slide deck is, independent of the format it is written to (screen, HTML file, PowerPoint, PDF).

Every figure on a slide is held as data (categories and series of numbers, or a map's table) so that each
renderer draws it its own way — a plotly figure on screen and in HTML, a native, editable chart in PowerPoint —
from the very same numbers the queries returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    role: str = "main"  # main | reference (a mean, a target) | status_<open|in_progress|resolved>


@dataclass(frozen=True)
class Chart:
    """A bar chart (horizontal; `stacked` for statuses) or a map.

    `categories` run top to bottom; `highlight` is the category drawn in the accent colour (the subject of the
    deck); `decimals` is how values are written; `value_range` fixes the value axis.
    For a map, `map_frame` holds the query's rows (unit_id, value, …) and `map_layer` names the GeoJSON layer;
    `map_provinces` limits the layer to those provinces (empty: all).
    """

    kind: str  # bar | stacked | map | line (categories: the years, left to right)
    title: str
    categories: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    value_title: str = ""
    decimals: int = 2
    value_range: tuple[float, float] | None = None
    highlight: str | None = None
    unit_ids: list[str] | None = None
    map_frame: pd.DataFrame | None = None
    map_layer: str = ""
    map_provinces: tuple[str, ...] = ()
    reverse_scale: bool = False
    demo: bool = False


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    detail: str = ""


@dataclass
class Slide:
    key: str
    title: str
    subtitle: str = ""
    bullets: list[str] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    table: list[list[str]] | None = None  # first row: headers
    chart: Chart | None = None
    notes: str = ""
    sources: list[str] = field(default_factory=list)
    demo: bool = False
    empty: str = ""  # the message shown instead of figures when the selection has none


@dataclass
class Deck:
    lang: str
    year: int
    province_id: str  # "" for the whole country
    place: str
    title: str
    event: str
    body: str
    on: dt.date
    slides: list[Slide]
    file_stem: str
    scope: str = ""        # country | province | unit | inspection ("" = country or province, by province_id)
    subject_id: str = ""   # the district/commune or the inspection of a "unit" or "inspection" deck

    @property
    def demo(self) -> bool:
        return any(s.demo for s in self.slides)

    def charts(self) -> list[tuple[int, Chart]]:
        """(slide number from 1, chart) of every slide with a chart."""
        return [(i, s.chart) for i, s in enumerate(self.slides, start=1) if s.chart is not None]
