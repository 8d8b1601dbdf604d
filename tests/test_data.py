"""The built database: published figures exact, demo never contradicting them, real records present."""

import csv
import hashlib

import pytest

from par_dashboard.building.build import build
from par_dashboard.building.published import province_id_s63
from par_dashboard.paths import PUBLISHED_DIR
from par_dashboard.store.schema import CONTENT_TABLES


def _ranking(db, year, family="PAR_INDEX"):
    return db.query("par_score_by_province_year", year=year, family=family, area="TOTAL")


def test_province_counts_per_structure_and_year(db):
    years = db.query("score_years", family="PAR_INDEX", area="TOTAL", level="province")
    by_year = {(r.year, r.structure): r.units_scored for r in years.itertuples()}
    for year in range(2018, 2025):
        assert by_year[(year, "S63")] == 63
    assert by_year[(2025, "S34")] == 34


def test_2023_as_published(db):
    df = _ranking(db, 2023).set_index("short_name")
    assert df.loc["Quảng Ninh", "score"] == 92.18 and df.loc["Quảng Ninh", "rank"] == 1
    assert df.loc["Đà Nẵng", "score"] == 88.68 and df.loc["Đà Nẵng", "rank"] == 12
    assert df.loc["An Giang", "rank"] == 63
    assert round(df["score"].mean(), 2) == 86.98
    assert (df["score"] > 80).all(), "2023: first year all 63 above 80 %"
    avg = db.query("par_average_by_year", year=2023, family="PAR_INDEX", area="TOTAL").iloc[0]
    assert avg.published_mean == 86.98 and round(avg.computed_mean, 2) == 86.98


def test_2024_as_published(db):
    df = _ranking(db, 2024).set_index("short_name")
    assert df.loc["Hải Phòng", "score"] == 96.17 and df.loc["Hải Phòng", "rank"] == 1
    assert df.loc["Bà Rịa - Vũng Tàu", "rank"] == 2 and df.loc["Hà Nội", "rank"] == 3
    assert df.loc["Cao Bằng", "rank"] == 63
    assert round(df["score"].mean(), 2) == 88.37
    assert (df["score"] >= 90).sum() == 13 and (df["score"] < 80).sum() == 0, "group A = 13, B = 50"
    assert round(df.loc["Hải Phòng", "score_change"], 2) == 4.30 and df.loc["Hải Phòng", "rank_change"] == 1
    assert round(df.loc["Bình Thuận", "score_change"], 2) == 6.39
    assert df["score_change"].max() == pytest.approx(6.39), "Bình Thuận had the largest increase"


def _published_rows():
    with open(PUBLISHED_DIR / "par_index_sipas_results_verbatim.csv", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["entity_level"] == "province"]


@pytest.mark.parametrize("row", _published_rows(), ids=lambda r: f"{r['index']}-{r['year']}-{r['entity']}")
def test_every_published_province_figure_appears_exactly(db, row):
    uid = province_id_s63(row["entity"])
    got = db._con.execute("""
        SELECT s.score, s.published_rank, src.kind, src.url, rsrc.url
        FROM score s JOIN source src ON src.source_id = s.source_id
        LEFT JOIN source rsrc ON rsrc.source_id = s.rank_source_id
        WHERE unit_id = ? AND year = ? AND family_code = ? AND area_code = 'TOTAL'""",
        [uid, int(row["year"]), row["index"]]).fetchone()
    if not row["score_pct"] and not row["rank"]:
        return  # a bare change; checked through the changes
    assert got is not None
    score, rank, kind, url, rank_url = got
    first_url = row["source_urls"].split(";")[0]
    if row["score_pct"]:
        assert score == float(row["score_pct"]) and kind == "official_publication" and url == first_url
    if row["rank"]:
        assert rank == int(row["rank"]) and rank_url == first_url
        ranked = _ranking(db, int(row["year"]), row["index"]).set_index("unit_id")
        if int(row["year"]) >= 2018:  # complete years: the computed rank is the published one
            assert ranked.loc[uid, "rank"] == int(row["rank"])


def test_district_figures_as_published(db):
    qn = db.query("par_score_by_subunit_year", year=2022, family="PAR_INDEX", area="TOTAL",
                  level="district", province_id="S63-P-49").set_index("short_name")
    assert qn.loc["Bắc Trà My", "score"] == 91.44 and qn.loc["Bắc Trà My", "rank"] == 1
    assert qn.loc["Thăng Bình", "score"] == 89.16 and qn.loc["Thăng Bình", "rank"] == 2
    # published "2/18": the package's old structure is the last one before 1/7/2025, so districts merged
    # between 2022 and 2025 appear once; the published rank_of is kept as published
    assert db._con.execute("SELECT rank_of FROM score WHERE unit_id = 'S63-D-513' AND year = 2022").fetchone() == (18,)


def test_demo_rows_are_marked_and_real_rows_win(db):
    kinds = dict(db._con.execute("SELECT kind, count(*) FROM source GROUP BY kind").fetchall())
    assert kinds["synthetic_demo"] == 1
    demo_title = db._con.execute("SELECT title FROM source WHERE kind = 'synthetic_demo'").fetchone()[0]
    assert "mô phỏng" in demo_title
    # no published score was replaced: every published score row keeps its publication as source
    overwritten = db._con.execute("""
        SELECT count(*) FROM score s JOIN source src ON src.source_id = s.source_id
        WHERE s.rank_source_id IS NOT NULL AND src.kind = 'synthetic_demo' AND s.published_rank IS NULL""").fetchone()[0]
    assert overwritten == 0
    # the real Cao Lộc figure is there, from its report
    v = db._con.execute("""
        SELECT value, src.kind FROM indicator_value JOIN source src USING (source_id)
        WHERE unit_id = 'S63-D-183' AND indicator_code = 'OPS_ONTIME_PCT' AND year = 2024 AND period = 'to-date'""").fetchone()
    assert v == (99.8, "inspection_report")


def test_seed_reports_transcribed(db):
    plan = db._con.execute("SELECT number, issued_on::VARCHAR, province_id FROM inspection_plan WHERE plan_id = 'LS-2024-KH80'").fetchone()
    assert plan == ("80/KH-BCĐCCHC", "2024-05-29", "S63-P-20")
    leaders = db._con.execute("""
        SELECT leader_name FROM inspection WHERE plan_id = 'LS-2024-KH80' ORDER BY leader_name""").fetchall()
    assert [r[0] for r in leaders] == ["Dương Xuân Huyên", "Hoàng Thị Hiền", "Nguyễn Quốc Toàn"]
    visited = db._con.execute("""
        SELECT u.short_name FROM inspection_unit iu JOIN admin_unit u USING (unit_id)
        WHERE inspection_id = 'LS-2024-CAOLOC' ORDER BY 1""").fetchall()
    assert [r[0] for r in visited] == ["Cao Lộc", "Hòa Cư", "Thanh Lòa"]
    daksong = db._con.execute("SELECT leader_name, field_days, announced_on::VARCHAR FROM inspection WHERE inspection_id = 'DN-2023-DAKSONG'").fetchone()
    assert daksong == ("Lê Trung Trường Vũ", 4, "2023-09-28")
    target = db._con.execute("""
        SELECT target_value FROM target WHERE indicator_code = 'OPS_ONLINE_DVC_PCT' AND province_id = 'S63-P-20' AND year = 2024""").fetchone()
    assert target == (86.0,)


def test_every_fact_row_has_a_source(db):
    for table in ("score", "indicator_value", "inspection", "finding", "target", "inspection_plan"):
        assert db._con.execute(f"SELECT count(*) FROM {table} WHERE source_id IS NULL").fetchone()[0] == 0  # noqa: S608


def _content_hash(path) -> dict[str, str]:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        out = {}
        for table in CONTENT_TABLES:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()  # noqa: S608 - fixed names
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def test_building_twice_gives_the_same_content(built_db, tmp_path):
    again = tmp_path / "again.duckdb"
    build(again)
    assert _content_hash(again) == _content_hash(built_db)


# ------------------------------------------------------------------------------------------------ issue 18

def _panel(name: str) -> list[dict]:
    with open(PUBLISHED_DIR / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("family, name, column", [("PAPI", "papi_2011_2016_mdtrinh_vietnamdata.csv", "PAPI_unweighted_total"),
                                                  ("PCI", "pci_2012_2016_mdtrinh_vietnamdata.csv", "pci_weighted")])
def test_the_public_panels_are_published_data_of_the_default_build(db, family, name, column):
    """Every row of the shipped panel is in the database as published data with its source, and the rankings
    page ranks the provinces by it: real figures out of the box, no import from outside the repository."""
    rows = _panel(name)
    years = sorted({int(r["year"]) for r in rows})
    for year in years:
        got = _ranking(db, year, family).set_index("unit_id")
        assert len(got) == 63 and (got.n_scored == 63).all() and got["rank"].notna().all()
        assert set(got.source_kind) == {"official_publication"}
        assert set(got.source_url) == {"https://github.com/mdtrinh/vietnamdata"}
        mine = [r for r in rows if int(r["year"]) == year]
        for r in mine:
            uid = (f"S63-P-{int(r['province_code_gso']):02d}" if family == "PAPI" else province_id_s63(r["province"]))
            assert got.loc[uid, "score"] == float(r[column]), (year, r)
        # ranks follow from the scores (ties share the best rank); the PCI file's own ranks break ties by row order
        scores = sorted((float(r[column]) for r in mine), reverse=True)
        for uid, row in got.iterrows():
            assert row["rank"] == 1 + sum(1 for s in scores if s > row["score"]), uid
    source = db._con.execute("SELECT title, file, note FROM source WHERE file = ?", [f"data/published/{name}"]).fetchone()
    assert source is not None and "mdtrinh/vietnamdata" in source[0] and source[2]


def test_the_2024_and_2025_figures_are_loaded_as_published(db):
    sipas = _ranking(db, 2024, "SIPAS").set_index("short_name")
    assert [sipas.index[sipas["rank"] == r][0] for r in range(1, 6)] == [
        "Hải Phòng", "Thái Nguyên", "Hải Dương", "Quảng Ninh", "Bà Rịa - Vũng Tàu"]
    assert set(sipas.sort_values("score").index[:5]) == {"Bắc Kạn", "Lạng Sơn", "Quảng Nam", "An Giang", "Quảng Ngãi"}
    avg = db.query("par_average_by_year", year=2024, family="SIPAS", area="TOTAL").iloc[0]
    assert avg.published_mean == 83.94 and round(avg.computed_mean, 2) == 83.94
    par = _ranking(db, 2024).set_index("short_name")
    assert par.loc["Đồng Nai", "score"] == 90.69 and par.loc["Đồng Nai", "rank"] == 8 and par.loc["Đồng Nai", "rank_change"] == 24
    # every figure of the file, as published, with its source
    with open(PUBLISHED_DIR / "published_additions_2023_2025.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["score_pct"] and r["entity_level"] != "national"]
    for r in rows:
        got = db._con.execute("""
            SELECT s.score, src.kind, src.url FROM score s JOIN source src USING (source_id) JOIN admin_unit u USING (unit_id)
            WHERE s.year = ? AND s.area_code = 'TOTAL' AND s.family_code = ? AND s.score = ?
              AND (u.short_name = ? OR ? LIKE '%' || u.short_name OR ? LIKE '%' || u.short_name || ' %')""",
            [int(r["year"]), "SIPAS" if r["index"] == "SIPAS" else "PAR_INDEX", float(r["score_pct"]), r["entity"],
             r["entity"].replace("Quảng Bình", "Quang Bình"), r["entity"]]).fetchall()
        assert got and all(k == "official_publication" and url == r["source_urls"].split(";")[0] for _, k, url in got), r


def test_units_a_province_scores_itself_are_ranked_only_within_it(db):
    """2025: Hải Phòng ranks its 45 wards apart from its communes and special zones; Tuyên Quang its communes and
    wards together; each on its own criteria, never against another province's units."""
    hp = db.query("par_score_by_subunit_year", year=2025, family="PAR_INDEX", area="TOTAL", level="commune",
                  province_id="S34-P-31").set_index("short_name")
    assert set(hp.ranking_province_id) == {"S34-P-31"}
    wards = hp[hp.rank_group == "phường"]
    assert len(wards) == 45 and wards.n_ranked.eq(45).all()
    assert [wards.index[wards["rank"] == r][0] for r in (1, 2, 3)] == ["Hồng Bàng", "Hải An", "Hồng An"]
    assert wards.loc["Hồng Bàng", "score"] == 95.8 and wards.loc["Bắc An Phụ", "rank"] == 45
    communes = hp[hp.rank_group == "xã, đặc khu"]
    assert len(communes) == len(hp) - 45 and set(communes.unit_type) == {"Xã", "Đặc khu"}
    assert [communes.index[communes["rank"] == r][0] for r in range(1, 6)] == ["Cát Hải", "Quyết Thắng", "An Lão", "Gia Lộc", "Phú Thái"]
    departments = db.query("par_score_by_subunit_year", year=2025, family="PAR_INDEX", area="TOTAL", level="department",
                           province_id="S34-P-31").set_index("short_name")
    assert departments.loc["Thanh tra", "score"] == 94.71 and departments.loc["Thanh tra", "rank"] == 1
    assert departments.loc["Sở Nội vụ", "rank"] == 5 and departments.loc["Sở Nội vụ", "source_kind"] == "official_publication"
    tq = db.query("par_score_by_subunit_year", year=2025, family="PAR_INDEX", area="TOTAL", level="commune",
                  province_id="S34-P-08").set_index("short_name")
    assert tq.rank_group.isna().all() and tq.loc["Quang Bình", "rank"] == 1 and tq.loc["Du Già", "score"] == 84.36
    assert (tq.score < 55).sum() == 10, "the 10 lowest scored below 55"


def test_demo_people_are_a_role_and_a_number_and_real_names_stay(db):
    names = db._con.execute("""
        SELECT i.leader_name, i.team_label FROM inspection i JOIN source s USING (source_id)
        WHERE s.kind = 'synthetic_demo'""").fetchall()
    assert len(names) > 1000
    for name, team in names:
        assert name == f"Trưởng đoàn mô phỏng {team.removeprefix('Đoàn kiểm tra số ')}", (name, team)
    real = {r[0] for r in db._con.execute("""
        SELECT i.leader_name FROM inspection i JOIN source s USING (source_id) WHERE s.kind <> 'synthetic_demo'""").fetchall()}
    assert {"Dương Xuân Huyên", "Hoàng Thị Hiền", "Nguyễn Quốc Toàn", "Lê Trung Trường Vũ"} <= real


def test_every_demo_row_is_marked_and_no_published_key_is_demo(db):
    """Rows the generator made point at the synthetic source (visits through their inspection); a key the
    published files give never carries a demo score."""
    from par_dashboard.building.published import load_published

    unmarked = db._con.execute("""
        SELECT count(*) FROM inspection_unit iu JOIN inspection i USING (inspection_id) JOIN source s USING (source_id)
        WHERE iu.inspection_id LIKE 'DEMO-%' AND s.kind <> 'synthetic_demo'""").fetchone()[0]
    assert unmarked == 0
    for table in ("inspection_plan", "inspection", "finding"):
        key = {"inspection_plan": "plan_id", "inspection": "inspection_id", "finding": "finding_id"}[table]
        assert db._con.execute(f"""SELECT count(*) FROM {table} x JOIN source s USING (source_id)
                                   WHERE x.{key} LIKE 'DEMO-%' AND s.kind <> 'synthetic_demo'""").fetchone()[0] == 0  # noqa: S608
    scored = {(s.unit_id, s.year, s.family_code): s.score for s in load_published().scores if s.score is not None}
    got = {(u, y, f): (v, k) for u, y, f, v, k in db._con.execute("""
        SELECT c.unit_id, c.year, c.family_code, c.score, s.kind FROM score c JOIN source s USING (source_id)
        WHERE c.area_code = 'TOTAL'""").fetchall()}
    for key, value in scored.items():
        assert got[key] == (value, "official_publication"), key
