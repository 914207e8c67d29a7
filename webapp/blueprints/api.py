"""REST API /api/v1: this blueprint anchors it in the app (blueprints are discovered by their
module-level ``bp``) and serves the generated OpenAPI document and its Swagger UI; the resources
live in :mod:`webapp.api`, registered when this blueprint is."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template_string, url_for

from webapp import api

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf_exempt = True  # token-authenticated; no cookies are trusted here
bp.record_once(lambda state: api.install(state.app))

SWAGGER_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/svg+xml" href="{{ icon }}">
<link rel="stylesheet" href="{{ css }}"></head>
<body><div id="swagger-ui" data-spec="{{ spec }}"></div>
<script src="{{ bundle }}"></script><script src="{{ init }}"></script></body></html>"""


@bp.get("/openapi.json", endpoint="openapi")
def openapi_document():
    """The OpenAPI 3.1 document, generated from the schemas the API checks and answers with."""
    if "peidai_openapi" not in current_app.extensions:
        current_app.extensions["peidai_openapi"] = api.document()
    return jsonify(current_app.extensions["peidai_openapi"])


@bp.get("/docs", endpoint="docs")
def swagger_ui():
    """Swagger UI, served from the npm package swagger-ui-dist (static/node_modules), not a CDN."""
    return render_template_string(
        SWAGGER_PAGE, title=api.TITLE, spec=url_for("api.openapi"),
        css=url_for("static", filename="node_modules/swagger-ui-dist/swagger-ui.css"),
        bundle=url_for("static", filename="node_modules/swagger-ui-dist/swagger-ui-bundle.js"),
        init=url_for("static", filename="js/api-docs.js"), icon=url_for("static", filename="css/icon.svg"))
