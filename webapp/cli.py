"""``peidai serve``: the whole system with one command — web server, worker and scheduler."""
import os
import click

STOP_TIMEOUT = 20.0


def register(cli: click.Group) -> None:
    @cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", type=click.IntRange(1, 65535), default=None, help="默认 PEIDAI_PORT 或 5000")
    @click.option("--web-only", is_flag=True, help="只启动网站，不启动后台任务（worker 与 beat）")
    @click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True, help="worker 进程数")
    def serve(host, port, web_only, concurrency):
        """Serve the web UI (http://127.0.0.1:5000 unless PEIDAI_PORT says otherwise) together with a
        worker and the beat scheduler; Ctrl-C stops all three."""
        import signal
        import subprocess
        import sys

        from werkzeug.serving import run_simple

        from peidai.bootstrap import bootstrap

        from . import create_app

        system = bootstrap()
        app = create_app(system)
        port = port or system.settings.port
        children: list[subprocess.Popen] = []
        if not web_only:
            command = [sys.executable, "-c", "from peidai.cli import main; main()"]
            # the console of `make run` shows warnings and errors of the background work, not every beat
            level = os.environ.get("PEIDAI_LOG_LEVEL", "WARNING")
            children.append(subprocess.Popen(command + ["worker", f"--concurrency={concurrency}", f"--loglevel={level}"]))
            children.append(subprocess.Popen(command + ["beat", f"--loglevel={level}"]))
            broker = system.settings.broker_url or "内置（SQLite）"
            click.echo(f"后台任务已启动：worker 进程 {children[0].pid}，beat 进程 {children[1].pid}，消息代理 {broker}")

        def on_term(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
        click.echo(f"培带系统已启动：http://{host}:{port}（按 Ctrl-C 停止）")
        try:
            run_simple(host, port, app, threaded=True, use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)
            system.dispose()
            click.echo("培带系统已停止")


def _stop(children) -> None:
    """SIGTERM (a warm shutdown: running jobs finish), then SIGKILL whatever is left."""
    import subprocess

    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
