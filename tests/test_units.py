import csv
import unicodedata

from par_dashboard.building.published import province_id_s63
from par_dashboard.domain.units import fold
from par_dashboard.paths import PUBLISHED_DIR


def test_unit_counts_per_structure(db):
    counts = db._con.execute(
        "SELECT structure, level, count(*) FROM admin_unit GROUP BY ALL ORDER BY ALL").fetchall()
    got = {(s, lvl): n for s, lvl, n in counts}
    assert got[("S63", "province")] == 63
    assert got[("S34", "province")] == 34
    assert got[("S34", "commune")] == 3321
    assert 690 <= got[("S63", "district")] <= 710
    assert 10_000 <= got[("S63", "commune")] <= 10_100
    assert got[("S63", "department")] > 0 and got[("S34", "department")] > 0


def test_crosswalk_covers_every_old_province_district_and_commune(db):
    missing = db._con.execute("""
        SELECT level, count(*) FROM admin_unit u
        WHERE structure = 'S63' AND level IN ('province', 'district', 'commune')
          AND NOT EXISTS (SELECT 1 FROM unit_crosswalk c WHERE c.old_unit_id = u.unit_id)
        GROUP BY level""").fetchall()
    assert missing == []
    # every old province and district goes whole into exactly one current province
    multi = db._con.execute("""
        SELECT c.old_unit_id FROM unit_crosswalk c JOIN admin_unit n ON n.unit_id = c.new_unit_id
        WHERE n.level = 'province' GROUP BY c.old_unit_id HAVING count(*) > 1""").fetchall()
    assert multi == []
    # and every current commune is reached
    unreached = db._con.execute("""
        SELECT count(*) FROM admin_unit u WHERE structure = 'S34' AND level = 'commune'
          AND NOT EXISTS (SELECT 1 FROM unit_crosswalk c WHERE c.new_unit_id = u.unit_id)""").fetchone()[0]
    assert unreached == 0


def test_province_crosswalk_agrees_with_the_published_merger_table(db):
    """The package's conversion and Resolution 202/2025/QH15 as published name the same merges."""
    new_name = dict(db._con.execute("""
        SELECT c.old_unit_id, n.short_name FROM unit_crosswalk c JOIN admin_unit n ON n.unit_id = c.new_unit_id
        WHERE c.old_unit_id LIKE 'S63-P-%'""").fetchall())
    with open(PUBLISHED_DIR / "province_merger_2025_63_to_34.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 63
    for r in rows:
        expected = fold(r["new_province_34"].replace("TP. ", ""))
        assert fold(new_name[province_id_s63(r["old_province_63"])]) == expected, r["old_province_63"]


def test_fold_ignores_diacritics_tone_placement_and_normal_form():
    assert fold("Thanh Loà") == fold("Thanh Lòa") == fold("thanh loa")
    assert fold("Đắk Song") == fold("Đăk Song") == "daksong"
    assert fold(unicodedata.normalize("NFD", "Hòa Cư")) == fold("Hoà Cư")
