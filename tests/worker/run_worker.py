"""A worker process for the tests: the real Celery app and tasks, wired with the test clock
and fixture operations (``support.worker_system``). Usage: ``python run_worker.py [--beat]``."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.worker.support import worker_system  # noqa: E402
from worker.app import make_celery  # noqa: E402

if __name__ == "__main__":
    app = make_celery(worker_system)
    argv = ["worker", "--loglevel=INFO", "--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    app.worker_main(argv + sys.argv[1:])
