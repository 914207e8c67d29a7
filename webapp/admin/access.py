"""Only administrators see process administration: others get 403, anonymous users the log-in."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from webapp.auth import current_actor


def admins_only(bp) -> None:
    @bp.before_request
    def _check():
        if not getattr(current_user, "is_authenticated", False):
            from flask import current_app
            return current_app.login_manager.unauthorized()
        if not current_actor().has_role("admin"):
            abort(403)
