"""The scale generator (bench/scale.py) at a small scale: deterministic, synthetic, on top of the
ordinary database without touching a row of it, growing in proportion to the scale, and plausible.

One full `build_scaled(path, 0.02)` (`python -m bench.scale`); the other runs add the scale rows to copies of the session's ordinary database
with `scale.extend`, which is what `build_scaled` does after writing the ordinary rows (the ordinary build's own
determinism is tested in test_data.py)."""

import shutil

import duckdb
import numpy as np
import pytest

from bench import scale
from bench.scale import SCALE_SOURCE_TITLE, build_scaled
from par_dashboard.building import demo
from par_dashboard.building.build import DEMO_AS_OF
from par_dashboard.store.schema import CONTENT_TABLES

SMALL = 0.02
GROWING = ["indicator_value", "score", "inspection", "inspection_unit", "finding"]


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "scaled.duckdb"
    build_scaled(path, SMALL)
    return path


def _extend_copy(built_db, path, factor: float):
    """The ordinary database plus the scale rows, the way `build_scaled` adds them."""
    shutil.copyfile(built_db, path)
    con = duckdb.connect(str(path))
    try:
        source_id = con.execute("SELECT max(source_id) + 1 FROM source").fetchone()[0]
        con.execute("INSERT INTO source (source_id, kind, title, file) VALUES (?, 'synthetic_demo', ?, 'bench/scale.py')",
                    [source_id, SCALE_SOURCE_TITLE.format(scale=factor, seed=demo.SEED)])
        scale.extend(con, factor, source_id, DEMO_AS_OF)
    finally:
        con.close()
    return path


def _fingerprints(path, leave_out: int | None = None) -> dict[str, tuple[int, int]]:
    """Per table: row count and the sum of the rows' hashes (equal sums: the same rows, in any order),
    without the rows of source `leave_out` (and the visits of its inspections).

    Opened like the session's `db` fixture opens the ordinary database (read-write): DuckDB refuses a second
    connection to a file with another configuration in the same process."""
    con = duckdb.connect(str(path))
    try:
        out = {}
        for table in CONTENT_TABLES:
            cond = "TRUE"
            if leave_out is not None and "source_id" in con.table(table).columns:
                cond = f"source_id <> {leave_out}"
            elif leave_out is not None and table == "inspection_unit":
                cond = f"inspection_id NOT IN (SELECT inspection_id FROM inspection WHERE source_id = {leave_out})"  # noqa: S608
            out[table] = con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} t WHERE {cond}").fetchone()  # noqa: S608 - fixed names
        return out
    finally:
        con.close()


def _scale_source(path) -> int:
    with duckdb.connect(str(path)) as con:
        return con.execute("SELECT source_id FROM source WHERE file = 'bench/scale.py'").fetchone()[0]


def test_the_same_scale_gives_the_same_rows(scaled, built_db, tmp_path):
    again = _extend_copy(built_db, tmp_path / "again.duckdb", SMALL)
    assert _fingerprints(again) == _fingerprints(scaled)


def test_the_ordinary_rows_and_the_published_figures_are_untouched(scaled, built_db):
    src = _scale_source(scaled)
    before = _fingerprints(built_db)
    after = _fingerprints(scaled, leave_out=src)
    assert after == before
    count = """SELECT count(*) FROM score JOIN source USING (source_id) WHERE kind = 'official_publication'"""
    with duckdb.connect(str(scaled)) as con:
        published = con.execute(count).fetchone()[0]
    with duckdb.connect(str(built_db)) as con:
        ordinary = con.execute(count).fetchone()[0]
    # the published scores (with the PAPI and PCI panels, 780), all still there (and unchanged, above)
    assert published == ordinary == 780


def test_every_added_row_is_synthetic_demo(scaled, built_db):
    src = _scale_source(scaled)
    before = _fingerprints(built_db)
    with duckdb.connect(str(scaled)) as con:
        assert con.execute("SELECT kind FROM source WHERE source_id = ?", [src]).fetchone()[0] == "synthetic_demo"
        for table in ("indicator_value", "score", "target", "inspection_plan", "inspection", "finding"):
            rows, ours = con.execute(f"SELECT count(*), count(*) FILTER (WHERE source_id = {src}) FROM {table}").fetchone()  # noqa: S608
            assert ours > 0 and rows - ours == before[table][0], table
        # the units an added inspection visits are of its province
        assert con.execute(f"""SELECT count(*) FROM inspection_unit iu JOIN inspection i USING (inspection_id)
                               JOIN admin_unit u USING (unit_id)
                               WHERE i.source_id = {src} AND u.province_id <> i.province_id""").fetchone()[0] == 0  # noqa: S608


def test_rows_grow_in_proportion_to_the_scale(scaled, built_db, tmp_path):
    half = _extend_copy(built_db, tmp_path / "half.duckdb", SMALL / 2)
    base, small, big = _fingerprints(built_db), _fingerprints(half), _fingerprints(scaled)
    for table in GROWING:
        ratio = (big[table][0] - base[table][0]) / (small[table][0] - base[table][0])
        assert 1.6 < ratio < 2.4, (table, ratio)


def test_values_are_plausible(scaled):
    src = _scale_source(scaled)
    with duckdb.connect(str(scaled)) as con:
        def one(sql):
            return con.execute(sql).fetchone()

        pct_out, count_out = one(f"""SELECT count(*) FILTER (WHERE i.unit = '%' AND NOT v.value BETWEEN 0 AND 100),
                                            count(*) FILTER (WHERE i.unit <> '%' AND v.value < 0)
                                     FROM indicator_value v JOIN indicator i USING (indicator_code) WHERE v.source_id = {src}""")  # noqa: S608
        assert (pct_out, count_out) == (0, 0)
        assert one(f"SELECT count(*) FROM score WHERE source_id = {src} AND NOT score BETWEEN 40 AND 100")[0] == 0  # noqa: S608
        # a mild upward trend, and a unit keeps its level from one year to the next
        early, late = one(f"""SELECT avg(value) FILTER (WHERE year = 2016), avg(value) FILTER (WHERE year = 2024)
                              FROM indicator_value WHERE source_id = {src} AND indicator_code = 'OPS_ONLINE_DVC_PCT'""")  # noqa: S608
        assert late > early + 30
        r = one(f"""SELECT corr(a.score, b.score) FROM score a JOIN score b ON b.unit_id = a.unit_id AND b.year = a.year + 1
                    AND b.family_code = a.family_code AND b.area_code = a.area_code
                    WHERE a.source_id = {src} AND a.family_code = 'PAR_INDEX' AND a.area_code = 'TOTAL'""")[0]  # noqa: S608
        assert r > 0.7
        # counts agree with rates: overdue = received × (100 − on time %), to the dossier
        assert one(f"""SELECT count(*) FROM indicator_value r JOIN indicator_value o USING (unit_id, year, period)
                       JOIN indicator_value p USING (unit_id, year, period)
                       WHERE r.source_id = {src} AND r.indicator_code = 'OPS_DOSSIERS_RECEIVED'
                         AND o.indicator_code = 'OPS_OVERDUE_DOSSIERS' AND p.indicator_code = 'OPS_ONTIME_PCT'
                         AND abs(o.value - r.value * (100 - p.value) / 100) > 0.5""")[0] == 0  # noqa: S608


def test_findings_are_consistent_with_their_dates_and_follow_ups(scaled):
    src = _scale_source(scaled)
    with duckdb.connect(str(scaled)) as con:
        found = f"""(SELECT f.*, iu.visited_on AS found FROM finding f JOIN inspection_unit iu USING (inspection_id, unit_id)
                     WHERE f.source_id = {src})"""  # noqa: S608
        n, unmatched = con.execute(f"SELECT count(*), count(*) FILTER (WHERE found IS NULL) FROM {found}").fetchone()  # noqa: S608
        assert n > 1000 and unmatched == 0
        bad = con.execute(f"""SELECT count(*) FILTER (WHERE resolved_on <= found OR status_on < found),
                                     count(*) FILTER (WHERE (status = 'resolved') <> (resolved_on IS NOT NULL)),
                                     count(*) FILTER (WHERE (kind = 'limitation') <> (status IS NOT NULL)),
                                     count(*) FILTER (WHERE resolved_on > DATE '{DEMO_AS_OF}')
                              FROM {found}""").fetchone()  # noqa: S608
        assert bad == (0, 0, 0, 0)
        follow = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE o.unit_id <> f.unit_id OR o.found >= f.found
                                                                    OR o.topic <> f.topic OR o.status <> 'in_progress')
                                 FROM {found} f JOIN {found} o ON o.finding_id = f.follows_up_id""").fetchone()  # noqa: S608
        assert follow[0] > 0 and follow[1] == 0
        statuses = dict(con.execute(f"SELECT status, count(*) FROM finding WHERE source_id = {src} AND kind = 'limitation' GROUP BY ALL").fetchall())  # noqa: S608
        assert set(statuses) == {"open", "in_progress", "resolved"}
        assert con.execute(f"""SELECT count(*) FROM inspection i JOIN inspection_plan p USING (plan_id)
                               WHERE i.source_id = {src} AND (i.started_on < p.issued_on OR i.ended_on < i.started_on
                                     OR i.announced_on < i.ended_on OR i.year <> year(i.started_on))""").fetchone()[0] == 0  # noqa: S608


def test_months_split_the_year_without_exceeding_what_they_are_drawn_from():
    rng = np.random.Generator(np.random.PCG64(1))
    received = rng.multinomial(np.array([1200, 300, 0]), np.full((3, 12), 1 / 12))
    overdue = scale._split(rng, np.array([40.0, 300.0, 0.0]), received)
    assert overdue.sum(axis=1).tolist() == [40, 300, 0]
    assert (overdue <= received).all()


def test_a_scale_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        build_scaled(tmp_path / "x.duckdb", 0)
