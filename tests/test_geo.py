"""The offline map: data/geo/ (made by scripts/build_geometry.py) and par_dashboard.views.geo. No network."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, shape
from vietnamadminunits.database.main import get_data

from par_dashboard.domain.units import load_admin_units
from par_dashboard.views import geo

LAYER_UNITS = {  # layer -> (structure, level, count)
    "S63-province": ("S63", "province", 63),
    "S34-province": ("S34", "province", 34),
    "S63-district": ("S63", "district", 696),
    "S34-commune": ("S34", "commune", 3321),
}
BUDGET_MB = {"S63-province": 0.5, "S34-province": 0.5, "S63-district": 1.5, "S34-commune": 3.0}
HOANG_SA = (112.135, 16.568)
TRUONG_SA = (111.92, 8.64)


@pytest.fixture(scope="module")
def admin():
    return load_admin_units()


@pytest.fixture(scope="module")
def shapes() -> dict[str, dict[str, shapely.Geometry]]:
    return {layer: {f["id"]: shape(f["geometry"]) for f in geo.load_layer(layer)["features"]} for layer in geo.LAYERS}


@pytest.fixture(scope="module")
def current() -> pd.DataFrame:
    return pd.DataFrame(get_data(table="admin_units"))


@pytest.fixture(scope="module")
def legacy_wards() -> pd.DataFrame:
    return pd.DataFrame(get_data(table="admin_units_legacy")).dropna(subset=["wardCode"])


def _share_inside(geoms: dict[str, shapely.Geometry], ids, lon, lat) -> float:
    inside = [uid in geoms and geoms[uid].contains(Point(x, y)) for uid, x, y in zip(ids, lon, lat, strict=True)]
    return sum(inside) / len(inside)


def test_files_exist_parse_and_stay_within_budget():
    for layer, name in geo.LAYERS.items():
        path = geo.GEO_DIR / name
        assert path.stat().st_size / 1e6 < BUDGET_MB[layer], layer
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection"
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])
    arch = json.loads((geo.GEO_DIR / "archipelagos.json").read_text(encoding="utf-8"))
    assert [a["label_vi"] for a in arch] == ["Quần đảo Hoàng Sa (TP. Đà Nẵng)", "Quần đảo Trường Sa (tỉnh Khánh Hòa)"]
    assert all(a["label_en"] and -90 < a["lat"] < 90 and -180 < a["lon"] < 180 for a in arch)


@pytest.mark.parametrize("layer", list(LAYER_UNITS))
def test_feature_ids_are_the_unit_ids(layer, admin):
    structure, level, count = LAYER_UNITS[layer]
    units = admin.units[(admin.units.structure == structure) & (admin.units.level == level)]
    features = geo.load_layer(layer)["features"]
    assert len(features) == count == len(units)
    assert sorted(f["id"] for f in features) == sorted(units.unit_id)
    by_id = units.set_index("unit_id")
    for f in features:
        props = f["properties"]
        assert props["unit_id"] == f["id"]
        assert props["name"] == by_id.at[f["id"], "short_name"]
        if level in ("district", "commune"):
            assert props["province_id"] == by_id.at[f["id"], "province_id"]


def test_layer_for_and_load_layer():
    assert geo.layer_for("S63", "district") == "S63-district"
    assert geo.layer_for("S34", "commune") == "S34-commune"
    with pytest.raises(ValueError):
        geo.layer_for("S34", "district")
    assert geo.load_layer("S34-province") is geo.load_layer("S34-province")  # cached


def test_geometries_are_valid_and_exterior_rings_clockwise(shapes):
    for layer, geoms in shapes.items():
        for uid, g in geoms.items():
            assert g.is_valid and not g.is_empty and g.area > 0, (layer, uid)
            for part in shapely.get_parts(g):
                assert not part.exterior.is_ccw, (layer, uid)


def test_current_commune_points_fall_inside_their_own_province(shapes, current):
    share = _share_inside(shapes["S34-province"], "S34-P-" + current.provinceCode, current.wardLon, current.wardLat)
    assert share >= 0.98
    # and almost always inside their own commune
    share = _share_inside(shapes["S34-commune"], "S34-C-" + current.wardCode, current.wardLon, current.wardLat)
    assert share >= 0.98


def test_legacy_ward_points_fall_inside_their_own_province_and_district(shapes, legacy_wards):
    w = legacy_wards
    assert _share_inside(shapes["S63-province"], "S63-P-" + w.provinceCode, w.wardLon, w.wardLat) >= 0.98
    assert _share_inside(shapes["S63-district"], "S63-D-" + w.districtCode, w.wardLon, w.wardLat) >= 0.97


def test_each_old_province_lies_inside_the_new_province_it_merged_into(shapes, admin):
    cw = admin.crosswalk
    old_to_new = dict(cw[cw.old_unit_id.str.startswith("S63-P-") & cw.new_unit_id.str.startswith("S34-P-")]
                      [["old_unit_id", "new_unit_id"]].itertuples(index=False))
    assert len(old_to_new) == 63
    for old, new in old_to_new.items():
        old_geom, new_geom = shapes["S63-province"][old], shapes["S34-province"][new]
        # the centroid, where it lies inside the old province (Kiên Giang's lies in the gulf), and a point on it
        points = [old_geom.point_on_surface()] + [old_geom.centroid] * old_geom.contains(old_geom.centroid)
        assert all(new_geom.contains(p) for p in points), (old, new)
        assert new_geom.intersection(old_geom).area > 0.98 * old_geom.area, (old, new)


def test_districts_and_communes_tile_their_provinces(shapes):
    for level, parents in (("S63-district", "S63-province"), ("S34-commune", "S34-province")):
        area: dict[str, float] = {}
        for f in geo.load_layer(level)["features"]:
            pid = f["properties"]["province_id"]
            area[pid] = area.get(pid, 0.0) + shapes[level][f["id"]].area
        for pid, geom in shapes[parents].items():
            assert abs(area[pid] - geom.area) / geom.area < 0.03, (level, pid)


def test_archipelagos_belong_to_da_nang_and_khanh_hoa(shapes):
    arch = {a["key"]: a for a in geo.archipelagos()}
    for point, a in ((HOANG_SA, arch["hoang_sa"]), (TRUONG_SA, arch["truong_sa"])):
        p = Point(point)
        assert shapes["S63-province"][a["province_s63"]].contains(p)
        assert shapes["S34-province"][a["province_s34"]].contains(p)
        assert shapes["S63-district"][a["district_s63"]].contains(p)
        assert shapes["S34-commune"][a["commune_s34"]].contains(p)
    assert arch["hoang_sa"]["province_s63"] == "S63-P-48" and arch["truong_sa"]["province_s63"] == "S63-P-56"


def test_subset_and_view():
    districts = geo.load_layer("S63-district")
    lang_son = geo.subset(districts, "S63-P-20")
    assert 10 <= len(lang_son["features"]) <= 12
    assert {f["properties"]["province_id"] for f in lang_son["features"]} == {"S63-P-20"}
    assert geo.subset(geo.load_layer("S34-province"), "S34-P-48")["features"][0]["id"] == "S34-P-48"
    center, zoom = geo.view(geo.load_layer("S34-province"))
    assert 102 < center["lon"] < 115 and 8 < center["lat"] < 23.5 and 3.5 < zoom < 6
    center, zoom_ls = geo.view(lang_son)
    assert 106 < center["lon"] < 107.5 and 21.3 < center["lat"] < 22.5 and zoom_ls > zoom + 2
    # Đà Nẵng's communes: the Hoàng Sa islands do not shrink the mainland view
    dn = geo.subset(geo.load_layer("S34-commune"), "S34-P-48")
    center, _ = geo.view(dn, include_archipelagos=False)
    assert center["lon"] < 109


@pytest.mark.parametrize("layer", ["S63-district", "S34-commune"])
def test_every_province_drill_down_is_whole_in_the_map_column_at_1440_px(layer):
    """Issue 18 item 7: province maps were cut off on the left at 1 440 px (the view was fitted to a 700 px column;
    the page's is 580). Every province's units, drawn as the page draws them, fall inside the plot area."""
    units = geo.load_layer(layer)
    for province in sorted({f["properties"]["province_id"] for f in units["features"]}):
        part = geo.subset(units, province)
        fig = geo.choropleth(_frame(part, missing=0), part, lang="vi", height=640, map_width=geo.MAP_COLUMN_PX)
        center, zoom = fig.layout.map.center, fig.layout.map.zoom
        lon0, lat0, lon1, lat1 = geo.bounds(part, include_archipelagos=False)
        area = {"height": 640 - 30 - 40, "width": geo.MAP_COLUMN_PX - 90}  # the plot area left by margins and colorbar
        for lon, lat in ((lon0, lat0), (lon1, lat1)):
            x, y = geo.paper_xy(lon, lat, {"lon": center.lon, "lat": center.lat}, zoom, **area)
            assert -0.005 <= x <= 1.005 and -0.005 <= y <= 1.005, (province, x, y)


def _frame(geojson, missing=3):
    ids = [f["id"] for f in geojson["features"]]
    values = np.linspace(50, 95, len(ids) - missing)
    return pd.DataFrame({"unit_id": ids[missing:], "value": values, "score_txt": [f"{v:.1f}" for v in values]})


def test_choropleth_is_offline_and_clickable():
    gj = geo.load_layer("S34-province")
    df = _frame(gj)
    fig = geo.choropleth(df, gj, lang="vi", title="Điểm", colorbar_title="Điểm", hover_lines=[("Điểm", "score_txt")],
                         selected_unit="S34-P-48", demo=True, no_data_label="Không có dữ liệu")
    types = {t.type for t in fig.data}
    assert types <= {"choroplethmap", "scattermap"} and "choroplethmap" in types
    assert fig.layout.map.style == "white-bg"
    text = fig.to_json()
    assert "http" not in text
    assert fig.layout.uirevision
    main = next(t for t in fig.data if t.type == "choroplethmap" and t.showscale is not False)
    assert list(main.locations) == df.unit_id.tolist()
    assert [row[0] for row in main.customdata] == df.unit_id.tolist()
    assert "Điểm: %{customdata[2]}" in main.hovertemplate
    no_data = next(t for t in fig.data if t.name == "Không có dữ liệu")
    assert sorted(no_data.locations) == sorted(f["id"] for f in gj["features"][:3])
    assert any(t.type == "choroplethmap" and list(t.locations) == ["S34-P-48"] and t.marker.line.width >= 2 for t in fig.data)
    assert any("Dữ liệu mô phỏng" in a.text for a in fig.layout.annotations)
    markers = [t for t in fig.data if t.type == "scattermap"]
    assert {t.customdata[0][0] for t in markers} == {"S34-P-48", "S34-P-56"}
    assert all(t.mode == "markers" for t in markers)  # no text: it would need a font server


def test_choropleth_of_a_subset_without_demo():
    gj = geo.subset(geo.load_layer("S63-district"), "S63-P-20")
    fig = geo.choropleth(_frame(gj, missing=0), gj, lang="en", reverse_scale=True, show_archipelagos=True)
    assert {t.type for t in fig.data} == {"choroplethmap"}  # no archipelago in Lạng Sơn, no missing unit
    assert fig.data[0].reversescale is True
    assert not fig.layout.annotations
    assert fig.layout.map.zoom > 7


def test_choropleth_of_merged_old_provinces_keeps_to_the_mainland():
    # the districts of Đà Nẵng and Quảng Nam (today's Đà Nẵng): Hoàng Sa is marked, but the view is the mainland
    layer = geo.load_layer("S63-district")
    gj = {"type": "FeatureCollection",
          "features": [f for f in layer["features"] if f["properties"]["province_id"] in ("S63-P-48", "S63-P-49")]}
    fig = geo.choropleth(_frame(gj, missing=0), gj, lang="vi")
    assert fig.layout.map.center.lon < 109 and fig.layout.map.zoom > 7
    assert [t.customdata[0][0] for t in fig.data if t.type == "scattermap"] == ["S63-D-498"]


def test_runtime_module_needs_neither_shapely_nor_streamlit():
    code = ("import sys, par_dashboard.views.geo as g; g.load_layer('S34-province'); "
            "print(sorted(m for m in ('shapely', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _archipelago_labels(fig) -> list:
    return [a for a in fig.layout.annotations if (a.name or "").startswith("archipelago:")]


@pytest.mark.parametrize("layer", ["S34-province", "S63-province"])
def test_national_maps_label_both_archipelagos_on_the_map(layer):
    gj = geo.load_layer(layer)
    for lang in ("vi", "en"):
        fig = geo.choropleth(_frame(gj), gj, lang=lang, height=640, map_width=760)
        labels = _archipelago_labels(fig)
        texts = " ".join(a.text for a in labels)
        for a in geo.archipelagos():
            name = a["label_vi"] if lang == "vi" else a["label_en"]
            assert name.split(" (")[0] in texts and name.split(" (")[1].rstrip(")") in texts
        assert len(labels) == 2
        for a in labels:
            assert a.xref == a.yref == "paper" and 0 <= a.x <= 1 and 0 <= a.y <= 1
            assert a.showarrow is False and "<i>" in a.text
        # beside the islands: right of the island group's box, and Hoàng Sa above Trường Sa
        center, zoom = fig.layout.map.center, fig.layout.map.zoom
        by_key = {a.name.split(":")[1]: a for a in labels}
        for a in geo.archipelagos():
            x_east, _ = geo.paper_xy(a["bounds"][2], a["lat"], {"lon": center.lon, "lat": center.lat}, zoom,
                                     height=640 - 30 - 40, width=760 - 90)
            assert x_east < by_key[a["key"]].x < x_east + 0.05
        assert by_key["hoang_sa"].y > by_key["truong_sa"].y
    # the legend no longer repeats them
    assert not any(t.showlegend for t in fig.data if t.type == "scattermap")


def test_paper_xy_inverts_view():
    center, zoom = {"lon": 108.0, "lat": 16.0}, 5.0
    assert geo.paper_xy(108.0, 16.0, center, zoom, height=500, width=600) == pytest.approx((0.5, 0.5))
    x, y = geo.paper_xy(109.0, 17.0, center, zoom, height=500, width=600)
    assert x == pytest.approx(0.5 + 512 * 32 / 360 / 600) and y > 0.5


def test_no_archipelago_label_off_the_view():
    lang_son = geo.subset(geo.load_layer("S63-district"), "S63-P-20")
    assert not _archipelago_labels(geo.choropleth(_frame(lang_son, missing=0), lang_son, lang="vi"))
    # Đà Nẵng + Quảng Nam districts: the Hoàng Sa marker is there, but the mainland view leaves it off-screen
    layer = geo.load_layer("S63-district")
    gj = {"type": "FeatureCollection",
          "features": [f for f in layer["features"] if f["properties"]["province_id"] in ("S63-P-48", "S63-P-49")]}
    fig = geo.choropleth(_frame(gj, missing=0), gj, lang="vi")
    assert any(t.type == "scattermap" for t in fig.data) and not _archipelago_labels(fig)
