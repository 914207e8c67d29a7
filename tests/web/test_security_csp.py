"""Content-Security-Policy ``script-src 'self'`` (issue 11, item 4): no template may carry inline
script, so no page depends on what the policy forbids."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
# Being replaced in the process-administration area (issue 6), whose working copy already reads the
# editor's settings from a JSON block and asks its confirmation from admin.js: tolerated until that
# lands, then these two lines can go. Nothing else is tolerated.
PENDING = {("admin/edit.html", "<script>"), ("admin/versions.html", " onsubmit=")}


def test_no_template_has_inline_script():
    """script-src 'self': every script is a file under static/ (data blocks of type JSON are not scripts)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: <script{tag}>")
            elif "src=" in tag and body.strip():
                offenders.append(f"{path.relative_to(TEMPLATES)}: code inside <script src>")
        offenders += [f"{path.relative_to(TEMPLATES)}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path.relative_to(TEMPLATES)}: javascript: URL" for _ in re.findall(r"javascript:", text, re.I)]
    assert [o for o in offenders if tuple(o.split(": ", 1)) not in PENDING] == []
