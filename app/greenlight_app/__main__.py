"""Container entry point: `serve` (default) or `migrate`.

docker run IMAGE            -> gunicorn serving the app (exec'd: gunicorn becomes PID 1)
docker run IMAGE migrate    -> alembic upgrade head, then exit (Kubernetes Job args)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
USAGE = "usage: python -m greenlight_app [serve|migrate]"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    if command == "serve":
        args = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
        # exec, not subprocess: signals from the kubelet must reach gunicorn directly.
        os.execv(sys.executable, args + argv[1:])  # noqa: S606 (fixed argv, no shell)
    if command == "migrate":
        from greenlight_app import migrate

        return migrate.main(argv[1:])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
