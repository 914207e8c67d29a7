"""A web server process for the scale-out test: ``peidai web`` (gunicorn) with the programme's
real wiring, on the test's virtual clock kept in a file (``PEIDAI_TEST_CLOCK_FILE``).
Usage: ``python run_web.py PORT``."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from peidai.settings import Settings  # noqa: E402
from webapp.server import run  # noqa: E402


def factory():
    from peidai.bootstrap import bootstrap
    from tests.worker.support import FileClock
    from webapp import create_app
    return create_app(bootstrap(clock=FileClock(os.environ["PEIDAI_TEST_CLOCK_FILE"])))


if __name__ == "__main__":
    run(Settings.from_env(), host="127.0.0.1", port=int(sys.argv[1]), workers=1, threads=4, factory=factory)
