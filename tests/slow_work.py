"""Work for tests/test_linear_time.py to hand to a parse worker (a light module: the worker imports it)."""

import os


def spin(path: str) -> None:
    """Write this process's id, then never return."""
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    while True:
        pass
