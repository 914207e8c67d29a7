"""Flask application factory. Views are thin: they call the engine's service API."""
from __future__ import annotations

from flask import Flask


def create_app(system=None, **config) -> Flask:
    from peidai.bootstrap import bootstrap

    app = Flask(__name__)
    system = system or bootstrap()
    app.config.update(SECRET_KEY=system.settings.secret_key, **config)
    app.extensions["peidai"] = system

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/")
    def index():
        return "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>培带</title><h1>赤峰市人才培带工程管理系统</h1>"

    return app
