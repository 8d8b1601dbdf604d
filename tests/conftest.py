import fcntl
import os
import shutil

import pytest
from streamlit import config

from par_dashboard.building.build import build
from par_dashboard.store.db import Database
from tests.browser import stop_chromium, streamlit_server
from tests.users import make_users_file

# The server hides exception details from its users (.streamlit/config.toml); AppTest runs here, and a failing
# test should say what was raised.
config.set_option("client.showErrorDetails", "full")
# The warming keeps to the default year's views in tests (AppTest's and every test server's, which inherit this):
# every year's would cost each of them some 30 s of CPU on a 2-core run. tests/test_warm.py warms every year itself.
os.environ.setdefault("PAR_WARM", "default")


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """One database built from data/ for the whole run, outside the working tree. Under xdist the first worker to
    need it builds it once for all (the others wait for it) and each worker has its own copy: DuckDB lets one
    process at a time open a file for writing, and a build takes some 10 s of CPU per worker otherwise."""
    path = tmp_path_factory.mktemp("db") / "par.duckdb"
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under xdist
        build(path)
    else:
        shared = tmp_path_factory.getbasetemp().parent / "built" / "par.duckdb"  # the run's folder, beside the workers'
        shared.parent.mkdir(exist_ok=True)
        with open(shared.parent / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not shared.exists():
                    build(shared)  # written aside and renamed: whole or absent
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        shutil.copyfile(shared, path)
    os.environ["PAR_DB"] = str(path)  # the app under AppTest and the browser server read it
    os.environ["PAR_REAL_ONLY_DIR"] = str(path.parent / "real-only")  # "real data only" copies: in the run's tmp
    return path


@pytest.fixture(scope="session")
def anonymous_server(built_db, users_file):
    """A read-only dashboard on the session database, anonymous viewing on, for the browser tests that only look:
    started once per worker (some 5 s of CPU, 20 s and more on a loaded machine) rather than once per module."""
    with streamlit_server(built_db, anonymous=True) as base:
        yield base


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


def pytest_configure(config):
    config.addinivalue_line("markers", "slow(seconds): a test that takes about `seconds` on two quiet cores (its share of "
                                       "a whole run): started first, spread over the workers (see below)")


def pytest_collection_modifyitems(config, items):
    """The slow tests first, spread over the workers. Under `--dist worksteal` worker k is first handed the next
    len(pending) // (workers left) tests of the collection, in order, and an idle worker then takes the second half of
    a busy one's queue: a slow test left at the end of a queue runs alone while the other worker waits. So each
    worker's share starts with slow tests, dealt longest first to the share with the least so far, followed by a
    stretch of the others in their usual order (a module's tests stay together, with its module-scoped fixtures:
    mark only tests that need none). Deterministic: every worker must collect the same order."""
    weight = {item.nodeid: float(m.args[0]) for item in items if (m := item.get_closest_marker("slow"))}
    if not weight:
        return
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    shares: list[list] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in sorted((i for i in items if i.nodeid in weight), key=lambda i: -weight[i.nodeid]):  # stable sort
        k = loads.index(min(loads))
        shares[k].append(item)
        loads[k] += weight[item.nodeid]
    rest = [i for i in items if i.nodeid not in weight]
    ordered, left, start = [], len(items), 0
    for k in range(workers):
        size = left // (workers - k)  # what worksteal hands worker k
        take = max(0, size - len(shares[k]))
        ordered += shares[k] + rest[start:start + take]
        start, left = start + take, left - size
    items[:] = ordered + rest[start:]


def pytest_sessionfinish(session, exitstatus):
    stop_chromium()  # the process's shared Chromium (tests/browser.py), if a test started it
