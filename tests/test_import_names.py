"""Unit names as written in spreadsheets -> admin_unit ids (par_dashboard/importing/names.py)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from par_dashboard.importing.names import UNITS_SQL, UnitResolver, normalise_name


@pytest.fixture(scope="module")
def units(db):
    cur = db._con.cursor()
    try:
        return cur.execute(UNITS_SQL).df()
    finally:
        cur.close()


@pytest.fixture(scope="module")
def resolver(db):
    return UnitResolver.from_db(db)


def unit(resolver, name, **kw):
    res = resolver.resolve(name, **kw)
    assert res.unit_id, (name, kw, res.error_en)
    assert (res.error_vi, res.error_en) == (None, None)
    return res.unit_id


# --------------------------------------------------------------------------------------------------------------
# Spelling and form


@pytest.mark.parametrize(("name", "kw", "expected"), [
    # Đăk / Đắk: the exact spelling wins where it is unique; the district is found either way
    ("Đăk Song", {"level": "commune", "structure": "S34"}, "S34-C-23842"),
    ("Đắk Song", {"level": "commune", "structure": "S34"}, "S34-C-24718"),
    ("Đăk Song", {"level": "district"}, "S63-D-665"),
    ("Đắc Song", {"level": "district"}, "S63-D-665"),
    ("Dak Song", {"level": "district"}, "S63-D-665"),
    # Hoà / Hòa: wherever the tone mark sits
    ("Hoà Bình", {"level": "province", "structure": "S63"}, "S63-P-17"),
    ("Hòa Bình", {"level": "province", "structure": "S63"}, "S63-P-17"),
    ("TP. Hoà Bình", {"structure": "S63"}, "S63-D-148"),
    ("Thuỷ Nguyên", {"level": "district"}, "S63-D-311"),
    # y ~ i
    ("Phú Quý", {"level": "district"}, "S63-D-602"),
    ("Phú Quí", {"level": "district"}, "S63-D-602"),
    # NFD and case
    (unicodedata.normalize("NFD", "Huyện Cao Lộc"), {}, "S63-D-183"),
    ("HUYỆN CAO LỘC", {}, "S63-D-183"),
    ("cao lộc", {"level": "district"}, "S63-D-183"),
    # type words and their abbreviations
    ("huyện Cao Lộc", {}, "S63-D-183"),
    ("H. Cao Lộc", {}, "S63-D-183"),
    ("H.Cao Lộc", {}, "S63-D-183"),
    ("huyen Cao Loc", {}, "S63-D-183"),
    ("TP Lạng Sơn", {"level": "district"}, "S63-D-178"),
    ("TP.Lạng Sơn", {"level": "district"}, "S63-D-178"),
    ("Thành phố Lạng Sơn", {"level": "district"}, "S63-D-178"),
    ("TX Điện Bàn", {}, "S63-D-507"),
    ("thị xã Điện Bàn", {}, "S63-D-507"),
    ("Tỉnh Lạng Sơn", {"level": "province", "structure": "S63"}, "S63-P-20"),
    ("T. Lạng Sơn", {"level": "province", "structure": "S34"}, "S34-P-20"),
    ("TT Đồng Đăng", {"level": "commune", "structure": "S63"}, "S63-C-06184"),
    ("Q.1", {"level": "district", "province": "TP.HCM"}, "S63-D-760"),
    ("Q1", {"level": "district", "province": "Thành phố Hồ Chí Minh"}, "S63-D-760"),
    ("Quận 01", {"level": "district", "province": "Hồ Chí Minh"}, "S63-D-760"),
    ("P.12", {"level": "commune", "province": "TP HCM", "district": "Quận 5"}, "S63-C-27310"),
    # a type word without diacritics is not taken out of a name: Huyện Quan Hóa, not "Quận Hóa"
    ("Quan Hóa", {"level": "district"}, "S63-D-385"),
    # spaces and dashes
    ("Bà Rịa - Vũng Tàu", {"level": "province"}, "S63-P-77"),
    ("Bà Rịa–Vũng Tàu", {"level": "province"}, "S63-P-77"),
    ("Bà Rịa-Vũng  Tàu", {"level": "province"}, "S63-P-77"),
    ("BàRịa - VũngTàu", {"level": "province"}, "S63-P-77"),
    # ids and official codes
    ("S63-D-183", {}, "S63-D-183"),
    ("s63-d-183", {"level": "district"}, "S63-D-183"),
    ("06184", {"level": "commune", "structure": "S63"}, "S63-C-06184"),
    ("6184", {"level": "commune", "structure": "S63"}, "S63-C-06184"),
    (6184.0, {"level": "commune", "structure": "S63"}, "S63-C-06184"),
    ("180", {"level": "district", "structure": "S63"}, "S63-D-180"),
    ("20", {"level": "province", "structure": "S34"}, "S34-P-20"),
    # an address: the district and province narrow the name
    ("Xã Tân Lập, Huyện Bắc Sơn, Tỉnh Lạng Sơn", {"level": "commune", "structure": "S63"}, "S63-C-06352"),
    ("Tân Lập, Lạng Sơn", {"level": "commune", "structure": "S63"}, "S63-C-06352"),
    ("Sở Văn hóa, Thể thao và Du lịch", {"level": "department", "structure": "S34", "province": "Lạng Sơn"},
     "S34-S-20-SVHTTDL"),
    # departments, inside their province
    ("Sở Nội vụ", {"level": "department", "structure": "S63", "province": "Lạng Sơn"}, "S63-S-20-SNV"),
    ("sở nội vụ tỉnh Lạng Sơn", {"level": "department", "structure": "S63"}, "S63-S-20-SNV"),
    ("SNV", {"level": "department", "structure": "S34", "province": "S34-P-20"}, "S34-S-20-SNV"),
])
def test_names_resolve(resolver, name, kw, expected):
    assert unit(resolver, name, **kw) == expected


def test_the_exact_spelling_wins_over_a_folded_match(resolver):
    kw = {"level": "commune", "structure": "S63"}
    assert unit(resolver, "Sa Pa", **kw) == "S63-C-03001"
    assert unit(resolver, "Sa Pả", **kw) == "S63-C-03002"
    assert unit(resolver, "SAPA", **kw) == "S63-C-03001"  # "Sa Pa" has no diacritics to leave out
    res = resolver.resolve("Sa Pà", **kw)  # a tone that neither has: both
    assert res.unit_id is None and [u for u, _ in res.candidates] == ["S63-C-03001", "S63-C-03002"]


def test_a_type_word_picks_among_units_of_one_name(resolver):
    res = resolver.resolve("Kỳ Anh", level="district")
    assert res.unit_id is None and {u for u, _ in res.candidates} == {"S63-D-447", "S63-D-449"}
    assert unit(resolver, "Huyện Kỳ Anh", level="district") == "S63-D-447"
    assert unit(resolver, "TX Kỳ Anh", level="district") == "S63-D-449"


# --------------------------------------------------------------------------------------------------------------
# Errors


def test_an_ambiguous_commune_lists_its_candidates(resolver):
    res = resolver.resolve("Tân Lập", level="commune", structure="S63")
    assert res.unit_id is None and len(res.candidates) > 10
    described = dict(res.candidates)
    assert described["S63-C-06352"] == "Xã Tân Lập, Huyện Bắc Sơn, Tỉnh Lạng Sơn"
    assert res.error_vi.startswith(f"“Tân Lập” khớp với {len(res.candidates)} đơn vị cấp xã")
    assert "Xã Tân Lập, Huyện Bắc Quang, Tỉnh Hà Giang (S63-C-01159)" in res.error_vi
    assert res.error_en.startswith(f"“Tân Lập” matches {len(res.candidates)} communes in the 63-province structure")
    assert "Give the district, the province or the unit id." in res.error_en
    # the province, then the district, narrow it
    assert unit(resolver, "Tân Lập", level="commune", structure="S63", province="Lạng Sơn") == "S63-C-06352"
    assert unit(resolver, "Xã Tân Lập", level="commune", structure="S63", province="S63-P-70",
                district="H. Đồng Phú") == "S63-C-25381"


def test_unknown_names(resolver):
    res = resolver.resolve("Xã Không Có", level="commune", structure="S63")
    assert (res.unit_id, res.candidates) == (None, [])
    assert res.error_vi == "Không tìm thấy đơn vị “Xã Không Có” cấp xã (cơ cấu 63 tỉnh (đến 30/06/2025))."
    assert res.error_en == "No commune named “Xã Không Có” found in the 63-province structure (to 30/06/2025)."
    assert resolver.resolve("Tân Lập, Việt Nam", level="commune").error_en == "No commune named “Tân Lập, Việt Nam” found."
    assert resolver.resolve("").error_en == "The unit name is missing."
    assert resolver.resolve(None, level="district").error_vi == "Thiếu tên đơn vị cấp huyện."


def test_a_name_outside_the_given_province_says_where_it_is(resolver):
    res = resolver.resolve("Cao Lộc", level="district", province="Hà Giang")
    assert res.unit_id is None and [u for u, _ in res.candidates] == ["S63-D-183"]
    assert res.error_vi.startswith("Không tìm thấy đơn vị “Cao Lộc” cấp huyện thuộc Tỉnh Hà Giang; có đơn vị cùng tên")
    assert "Huyện Cao Lộc, Tỉnh Lạng Sơn (S63-D-183)" in res.error_en


def test_unknown_or_ambiguous_narrowing(resolver):
    assert resolver.resolve("Tân Lập", province="Không Có").error_vi == "Không tìm thấy tỉnh “Không Có”."
    assert resolver.resolve("Tân Lập", province="Không Có").error_en == "No province “Không Có” found."
    res = resolver.resolve("Tân Lập", level="commune", structure="S63", province="Bình Phước", district="Lạc Sơn")
    assert res.error_en == "No district “Lạc Sơn” found."


def test_a_unit_id_of_another_level_is_refused(resolver):
    res = resolver.resolve("S63-D-183", level="commune")
    assert res.unit_id is None
    assert res.error_en == "Unit id “S63-D-183” (Huyện Cao Lộc) is not a commune."


def test_normalise_name():
    assert normalise_name("H. Đắk Song") == normalise_name("huyện Đăk Song") == normalise_name("Dak Song") == "dacsong"
    assert normalise_name("Hoà Bình") == normalise_name(unicodedata.normalize("NFD", "Hòa Bình")) == "hoabinh"
    assert normalise_name("Phú Quí") == normalise_name("PHÚ QUÝ") == "phuqui"
    assert normalise_name("Bà Rịa–Vũng Tàu") == normalise_name("Bà Rịa - Vũng Tàu") == "bariavungtau"
    assert normalise_name("Thủy") == "thuy"  # y after a vowel stays
    assert normalise_name("Khánh") != normalise_name("Chánh")  # k ~ c only at the end of a syllable


# --------------------------------------------------------------------------------------------------------------
# Property: a unit's own name, however written, finds the unit (or an ambiguity that lists it)

ABBREVIATIONS = {"Huyện": ["H.", "H. ", "huyện "], "Quận": ["Q.", "Q ", "quận "], "Thị xã": ["TX ", "TX.", "thị xã "],
                 "Thành phố": ["TP ", "TP.", "Tp. ", "thành phố "], "Xã": ["X.", "xã "], "Phường": ["P.", "P ", "phường "],
                 "Thị trấn": ["TT ", "TT.", "thị trấn "], "Tỉnh": ["T.", "tỉnh "], "Đặc khu": ["đặc khu "], "Sở": ["Sở "]}


def base_name(row) -> tuple[str, str]:
    """(type word, the rest) of a unit's official name: ("Huyện", "Cao Lộc"), ("Sở", "Nội vụ")."""
    name = row["short_name"] if row["level"] == "department" else row["name"]
    prefix = row["unit_type"]
    if name.lower().startswith(prefix.lower() + " "):
        return prefix, name[len(prefix) + 1:]
    return prefix, re.sub(r"\s*\(.*\)$", "", row["short_name"])


@st.composite
def decorated(draw, groups):
    row = draw(st.sampled_from(draw(st.sampled_from(groups))))
    unit_type, rest = base_name(row)
    words = rest.split()
    joiners = [draw(st.sampled_from([" ", "  ", " - "] if i else [" "])) if len(words) > 1 else " "
               for i in range(len(words) - 1)]
    text = words[0] + "".join(j + w for j, w in zip(joiners, words[1:], strict=True))
    prefix = draw(st.sampled_from(["", unit_type + " ", *ABBREVIATIONS.get(unit_type, [])]))
    text = draw(st.sampled_from(["", " ", "  "])) + prefix + text + draw(st.sampled_from(["", " "]))
    text = draw(st.sampled_from([str, str.lower, str.upper, str.title]))(text)
    text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
    province = draw(st.sampled_from([row["province_id"] or row["unit_id"], "name"]))
    return row, text, province


@pytest.fixture(scope="module")
def sampled_groups(units):
    """Up to 30 units of each structure, level and type (16 groups, ~420 units), drawn group first."""
    rows = units.astype(object).where(units.notna(), None).to_dict("records")
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["structure"], row["level"], row["unit_type"]), []).append(row)
    return [group[::max(1, len(group) // 30)][:30] for _, group in sorted(groups.items())]


def test_sample_covers_every_level_and_type(sampled_groups):
    assert len(sampled_groups) == 16 and sum(map(len, sampled_groups)) > 350
    assert {(g[0]["structure"], g[0]["level"]) for g in sampled_groups} == {
        ("S63", "province"), ("S63", "district"), ("S63", "commune"), ("S63", "department"),
        ("S34", "province"), ("S34", "commune"), ("S34", "department")}


def test_decorated_names_find_their_unit(resolver, units, sampled_groups):
    by_id = units.set_index("unit_id")

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(decorated(sampled_groups))
    def check(case):
        row, text, province = case
        province_id = row["province_id"] or row["unit_id"]
        if province == "name":
            province = by_id.loc[province_id, "short_name"]
        res = resolver.resolve(text, level=row["level"], structure=row["structure"], province=province)
        if res.unit_id is not None:
            assert res.unit_id == row["unit_id"], (text, res.candidates)
            return
        # an ambiguity, listing the unit and others of the same name and province
        ids = [u for u, _ in res.candidates]
        assert row["unit_id"] in ids and len(ids) > 1, (text, res.error_en)
        key = normalise_name(" ".join(base_name(row)))
        for other in ids:
            assert by_id.loc[other, "province_id"] == row["province_id"] or other == province_id
            other_row = by_id.loc[other].to_dict() | {"unit_id": other}
            assert normalise_name(" ".join(base_name(other_row))) == key, (text, other)

    check()
