import os

import pytest

from par_dashboard.build import build
from par_dashboard.db import Database


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """One database built from data/ for the whole run, outside the working tree."""
    path = tmp_path_factory.mktemp("db") / "par.duckdb"
    build(path)
    os.environ["PAR_DB"] = str(path)  # the app under AppTest and the browser server read it
    return path


@pytest.fixture(scope="session")
def db(built_db):
    database = Database(built_db)
    yield database
    database.close()
