"""``peidai web`` (the web server alone) and ``peidai serve`` (web, worker and scheduler together).

``peidai serve`` is a small supervisor: it starts ``peidai web`` (gunicorn; Werkzeug's development
server with ``--dev``), ``peidai worker`` and ``peidai beat`` as child processes, each in a process
group of its own and told to stop when the supervisor dies. On SIGTERM or Ctrl-C it sends SIGTERM to
each (gunicorn finishes running requests, the worker its running jobs) and kills what is still
there after ``PEIDAI_STOP_TIMEOUT`` seconds. When one of the three exits by itself, the others are
stopped too and ``peidai serve`` exits with an error: a supervisor above it (systemd) restarts the
whole, and a half-running system never goes unnoticed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

PEIDAI = [sys.executable, "-c", "from peidai.cli import main; main()"]
STOP_TIMEOUT = 20.0   # default of PEIDAI_STOP_TIMEOUT


def register(cli: click.Group) -> None:
    @cli.command("web")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=click.IntRange(1, 65535), default=None, help="默认 PEIDAI_PORT 或 5000")
    @click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn 进程数（默认 PEIDAI_WEB_WORKERS 或按 CPU 核数）")
    @click.option("--threads", type=click.IntRange(1, 64), default=None, help="每个进程的线程数（默认 PEIDAI_WEB_THREADS 或 4）")
    @click.option("--dev", is_flag=True, help="使用 Werkzeug 开发服务器（仅供开发，不用于生产）")
    def web(host, port, workers, threads, dev):
        """Serve the web UI and the API (gunicorn; behind nginx in production)."""
        from peidai.settings import Settings
        settings = Settings.from_env()
        port = port or settings.port
        if dev:
            _run_dev(host, port)
            return
        from .server import run
        run(settings, host=host, port=port, workers=workers, threads=threads)

    @cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=click.IntRange(1, 65535), default=None, help="默认 PEIDAI_PORT 或 5000")
    @click.option("--web-only", is_flag=True, help="只启动网站，不启动后台任务（worker 与 beat）")
    @click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True, help="worker 进程数")
    @click.option("--workers", type=click.IntRange(1, 64), default=None, help="网站 gunicorn 进程数")
    @click.option("--threads", type=click.IntRange(1, 64), default=None, help="网站每个进程的线程数")
    @click.option("--dev", is_flag=True, help="网站使用 Werkzeug 开发服务器")
    def serve(host, port, web_only, concurrency, workers, threads, dev):
        """Serve the web UI (http://127.0.0.1:5000 unless PEIDAI_PORT says otherwise) together with a
        worker and the beat scheduler; Ctrl-C or SIGTERM stops all three."""
        from peidai.settings import Settings
        settings = Settings.from_env()
        port = port or settings.port
        level = os.environ.get("PEIDAI_LOG_LEVEL", "WARNING")   # the console shows warnings, not every beat
        web_cmd = ["web", "--host", host, "--port", str(port)] + (["--dev"] if dev else [])
        web_cmd += [f"--workers={workers}"] if workers else []
        web_cmd += [f"--threads={threads}"] if threads else []
        children = Children(settings.stop_timeout)
        signal.signal(signal.SIGTERM, children.request_stop)
        signal.signal(signal.SIGINT, children.request_stop)   # also when started with SIGINT ignored
        code = 0
        try:
            web_proc = children.start("web", web_cmd, env={"PEIDAI_LOG_LEVEL": os.environ.get("PEIDAI_LOG_LEVEL", "INFO")})
            if not web_only:
                worker = children.start("worker", ["worker", f"--concurrency={concurrency}", f"--loglevel={level}"])
                beat = children.start("beat", ["beat", f"--loglevel={level}"])
                broker = settings.broker_url or "内置（SQLite）"
                click.echo(f"后台任务已启动：worker 进程 {worker.pid}，beat 进程 {beat.pid}，消息代理 {broker}")
            if children.wait_until(lambda: _answers(host, port), timeout=120):
                click.echo(f"培带系统已启动：http://{host}:{port}（网站进程 {web_proc.pid}；按 Ctrl-C 停止）")
            code = children.watch()
        finally:
            children.stop()
            click.echo("培带系统已停止")
        if code:
            sys.exit(code)


def _run_dev(host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from peidai.bootstrap import bootstrap
    from peidai.logs import configure_logging

    from . import create_app
    configure_logging("web")
    system = bootstrap()
    app = create_app(system)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    click.echo(f"开发服务器（Werkzeug）：http://{host}:{port}")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        system.dispose()


def _answers(host: str, port: int) -> bool:
    """The web server answers /healthz (a worker has booted, not only the socket is bound)."""
    import urllib.request
    address = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    address = f"[{address}]" if ":" in address else address
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _child_setup() -> None:
    """In the child before exec: a process group of its own (the supervisor alone decides how it
    stops: a terminal's Ctrl-C or a group signal reaches the supervisor, which stops each child
    gracefully) and SIGTERM when the supervisor dies, even by SIGKILL."""
    os.setpgid(0, 0)
    try:
        from billiard.util import set_pdeathsig
        set_pdeathsig(signal.SIGTERM)
    except Exception:   # not Linux: the supervisor's own stop() is all there is
        pass


class Children:
    def __init__(self, stop_timeout: float = STOP_TIMEOUT):
        self.stop_timeout = stop_timeout
        self.procs: dict[str, subprocess.Popen] = {}
        self.stopping = False
        self.supervisor = os.getpid()

    def request_stop(self, signum, frame) -> None:
        self.stopping = True

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(PEIDAI + args, env=os.environ | (env or {}), preexec_fn=_child_setup)
        self.procs[name] = proc
        return proc

    def wait_until(self, condition, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not self.stopping and time.monotonic() < end:
            if any(p.poll() is not None for p in self.procs.values()):
                return False
            if condition():
                return True
            time.sleep(0.2)
        return False

    def watch(self) -> int:
        """Until a stop is asked for (0) or a child exits by itself (1)."""
        while not self.stopping:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    click.echo(f"{name} 进程 {proc.pid} 已退出（退出码 {proc.returncode}），停止其余进程", err=True)
                    return 1
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        """SIGTERM (graceful: running requests and jobs finish), then SIGKILL to each child's
        process group whatever is left after the stop timeout."""
        if os.getpid() != self.supervisor:
            return
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + self.stop_timeout
        for name, proc in self.procs.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                click.echo(f"{name} 进程 {proc.pid} 未在 {self.stop_timeout:g} 秒内停止，强制结束", err=True)
            try:
                os.killpg(proc.pid, signal.SIGKILL)   # the child's own children (pool processes) too
            except (ProcessLookupError, PermissionError):
                pass
            if proc.poll() is None:
                proc.wait(5)
