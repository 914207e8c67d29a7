"""Documents: 附件1–3, the 聘书 certificate with public verification, uploaded certificate copies.

What the engine gets (see ``workflows/wiring.py``):

* ``DELIVERERS["document/render"]`` — the worker renders ``{"kind": ..., "id": ...}``;
* ``OPERATIONS["document/render"]`` — a BPMN service task may request a document.

Programme handlers call :func:`request_render` inside their transaction; the app and the worker
call :func:`check_cjk_font` at start-up.
"""
from .fonts import CJKFontMissing, check_cjk_font
from .service import TOPIC, deliver_render, render_operation, request_render

DELIVERERS = {TOPIC: deliver_render}
OPERATIONS = {"document/render": render_operation}

__all__ = ["DELIVERERS", "OPERATIONS", "CJKFontMissing", "check_cjk_font", "request_render"]
