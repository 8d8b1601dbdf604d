"""`python -m par_dashboard COMMAND`: the command line lives in par_dashboard/cli/main.py."""

import sys

from par_dashboard.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
