"""Shaping map query results: preformatted hover columns and the table beside the map. Pure pandas."""

from __future__ import annotations

import pandas as pd

from par_dashboard.domain.catalogue import FIRST_YEAR_S34
from par_dashboard.i18n import fmt_num, fmt_signed, t
from par_dashboard.views import geo


# Which layer a view draws: the national layer, and the layer of the units inside one province.
def layers(structure: str, year: int) -> tuple[str, str, str]:
    """(national layer, sub-unit layer, sub-unit level) for the structure shown and the year.

    Before 2025 the 34-province view draws today's provinces nationally (values rolled up) and the old
    districts inside a province; from 2025 there are only provinces and communes."""
    if year >= FIRST_YEAR_S34:
        return "S34-province", "S34-commune", "commune"
    return ("S34-province" if structure == "S34" else "S63-province"), "S63-district", "district"


def decimals_for(unit: str) -> int:
    return 0 if unit in ("count", "days") else 2


def with_hover(df: pd.DataFrame, lang: str, unit: str) -> pd.DataFrame:
    """Adds preformatted columns h_value, h_rank, h_change, h_source (and h_members for a roll-up)."""
    d = decimals_for(unit)
    suffix = " %" if unit == "%" else ""
    out = df.copy()
    out["h_value"] = [fmt_num(v, lang, d) + (suffix if pd.notna(v) else "") for v in out["value"]]
    out["h_rank"] = ["—" if pd.isna(r) else f"{int(r)}/{int(n)}" for r, n in zip(out["rank"], out["n_ranked"], strict=True)]
    out["h_change"] = ([fmt_signed(v, lang, d) for v in out["change"]] if "change" in out else "—")
    out["h_source"] = [t(k, lang) for k in out["source_kind"]]
    if "member_names" in out:
        out["h_members"] = ["; ".join(f"{n}: {fmt_num(v, lang, d)}" for n, v in zip(names, values, strict=True))
                            for names, values in zip(out["member_names"], out["member_values"], strict=True)]
    return out


def table(df: pd.DataFrame, lang: str, *, name_label: str) -> pd.DataFrame:
    """The ranked table beside the map, from a frame that went through `with_hover`."""
    out = pd.DataFrame({
        t("rank", lang): [r.split("/")[0] for r in df["h_rank"]],
        t(name_label, lang): df["short_name"].tolist(),
        t("loc_value", lang): df["h_value"].tolist(),
    })
    if "h_members" in df:
        out[t("map_members", lang)] = df["h_members"].tolist()
    else:
        out[t("score_change", lang)] = df["h_change"].tolist()
    out[t("source", lang)] = df["h_source"].tolist()
    return out


# ---- the page's map and table made from one query result (for shell.cached.derived, kept per data version)

def layer_features(layer: str, province_ids: tuple[str, ...] | None) -> dict:
    """The features the map of `layer` draws: all, or those of `province_ids` (the units of a province)."""
    geojson = geo.load_layer(layer)
    if province_ids is None:
        return geojson
    return {"type": "FeatureCollection",
            "features": [f for f in geojson["features"] if f["properties"].get("province_id") in province_ids]}


def choropleth_of(df: pd.DataFrame, layer: str, province_ids: tuple[str, ...] | None, lang: str, *, unit: str,
                  reverse_scale: bool, selected_unit: str | None, height: int, uirevision: str,
                  geojson_url: str | None = None):
    """The map of `df` on `layer` (only the features of `province_ids` when given), hover lines in `lang`;
    `geojson_url`: where the browser fetches those features (shell/assets.py geojson_src), else they are in the figure."""
    shown = with_hover(df, lang, unit)
    hover = [(t("loc_value", lang), "h_value"), (t("rank", lang), "h_rank")]
    hover += [(t("map_members", lang), "h_members")] if "h_members" in shown else [(t("score_change", lang), "h_change")]
    hover += [(t("source", lang), "h_source")]
    geojson = layer_features(layer, province_ids)
    return geo.choropleth(shown, geojson, lang=lang, colorbar_title=unit, hover_lines=hover, reverse_scale=reverse_scale,
                          selected_unit=selected_unit, demo=bool(df["source_kind"].eq("synthetic_demo").any()),
                          demo_label=t("demo_label", lang), no_data_label=t("map_no_data_region", lang), height=height,
                          map_width=geo.MAP_COLUMN_PX, uirevision=uirevision, geojson_url=geojson_url)


def table_of(df: pd.DataFrame, lang: str, unit: str, name_label: str) -> pd.DataFrame:
    return table(with_hover(df, lang, unit), lang, name_label=name_label)
