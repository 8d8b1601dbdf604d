import os
import shutil

import pytest
from streamlit import config

from par_dashboard.building.build import build
from par_dashboard.store.db import Database
from tests.users import make_users_file

# The server hides exception details from its users (.streamlit/config.toml); AppTest runs here, and a failing
# test should say what was raised.
config.set_option("client.showErrorDetails", "full")


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """One database built from data/ for the whole run, outside the working tree."""
    path = tmp_path_factory.mktemp("db") / "par.duckdb"
    build(path)
    os.environ["PAR_DB"] = str(path)  # the app under AppTest and the browser server read it
    return path


@pytest.fixture(scope="session", autouse=True)
def users_file(tmp_path_factory):
    """One user per role (tests/users.py) for the whole run, outside the working tree; the app under AppTest and
    the browser server read it. Anonymous viewing stays off unless a test turns it on."""
    path = make_users_file(tmp_path_factory.mktemp("users") / "users.json")
    os.environ["PAR_USERS_FILE"] = str(path)
    os.environ.pop("PAR_ANONYMOUS", None)
    return path


@pytest.fixture(scope="session")
def db(built_db):
    database = Database(built_db)
    yield database
    database.close()


@pytest.fixture
def work(built_db, tmp_path):
    """A copy of the session database that a test may write to (tests/test_hardening_faults.py has its own: a
    path, with its backups folder)."""
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    db = Database(path)
    yield db
    db.close()
