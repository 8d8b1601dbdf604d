"""Past one machine: the database exported to Parquet (partitioned by year and province) answers every query in
queries/ exactly as the database file does."""

import shutil

import pytest

from par_dashboard.store import lake


@pytest.mark.slow(30)  # seconds: started first (tests/conftest.py)
def test_every_query_gives_the_same_result_on_the_parquet_files(built_db, tmp_path):
    # a copy: the session's database is open for writing in this process, and lake opens its file read-only
    database = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, database)
    built_db = database
    written = lake.export(built_db, tmp_path / "lake")
    assert written["indicator_value"] > 100  # one file per year and province
    assert (tmp_path / "lake" / "indicator_value" / "year=2024" / "province=S63-P-20").is_dir()
    result = lake.compare(built_db, tmp_path / "lake")
    assert len(result) >= 40
    assert result.equal.all(), result[~result.equal].to_string()
    assert (result.rows > 0).sum() >= 35  # the sample parameters find something for nearly every query
