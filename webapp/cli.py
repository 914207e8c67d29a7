"""``peidai serve``: the web server."""
import click


def register(cli: click.Group) -> None:
    @cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", type=int, default=None, help="默认 PEIDAI_PORT 或 5000")
    def serve(host, port):
        """Serve the web UI (http://127.0.0.1:5000 unless PEIDAI_PORT says otherwise)."""
        from werkzeug.serving import run_simple

        from peidai.bootstrap import bootstrap

        from . import create_app

        system = bootstrap()
        app = create_app(system)
        port = port or system.settings.port
        click.echo(f"培带系统已启动：http://{host}:{port}")
        run_simple(host, port, app, threaded=True, use_reloader=False)
