"""Where things live, relative to the repository, never to the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
PUBLISHED_DIR = DATA_DIR / "published"
REPORTS_DIR = DATA_DIR / "reports"
QUERIES_DIR = ROOT / "queries"
SCHEMA_FILE = Path(__file__).resolve().parent / "store" / "schema.sql"
MACROS_FILE = Path(__file__).resolve().parent / "store" / "macros.sql"  # SQL the queries share
DEFAULT_DB = DATA_DIR / "par.duckdb"
