"""Accounts that others manage: pending activations to hand over, password resets, new accounts
and deactivation. The talent section manages the programme's accounts (mentors, mentees);
administrators manage every account. An account outside one's scope is not found.

Contact details (issue 17): administrators set anyone's e-mail address and mobile number, one
account at a time or from the units' Excel lists; the talent section sees per unit who cannot be
reached (:mod:`workflows.notifications.contacts`)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import EngineError, InvalidData
from webapp import accounts, auth
from webapp.auth import current_actor, role_required
from webapp.blueprints.auth import base_url
from webapp.errors import engine_message, user_text

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

MANAGER_ROLES = ("talent_section",)   # and administrators (role_required lets them pass)
NAV = [("accounts.index", _l("账号激活"), MANAGER_ROLES)]


def _system():
    return current_app.extensions["peidai"]


def _is_admin() -> bool:
    return current_actor().has_role(auth.engine().config.admin_role)


@bp.get("/")
@role_required(*MANAGER_ROLES)
def index():
    from workflows.notifications.contacts import contacts_of
    search = request.args.get("q", "").strip()[:80]
    system = _system()
    rows = accounts.managed(system, current_actor(), search=search)
    with auth.engine().sessions() as s:
        reach = contacts_of(s, [r["username"] for r in rows])
    return render_template("accounts/index.html", pending=accounts.pending(system, current_actor(), search=search),
                           rows=rows, reach=reach, search=search, is_admin=_is_admin(), roles=auth.engine().config.roles)


def _show_link(link: accounts.Link):
    g.peidai_no_referrer = True
    return render_template("accounts/link.html", link=link, expires=accounts.local_time(link.expires_at),
                           smtp=bool(_system().settings.smtp_host))


@bp.post("/<username>/link")
@role_required(*MANAGER_ROLES)
def link(username):
    """A new one-time link (activation, or reset for an activated account), shown once."""
    return _show_link(accounts.issue_link(_system(), current_actor(), username, base_url()))


@bp.route("/<username>/reset", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def reset(username):
    """Confirm, then reset: the old password, sessions and API tokens end; a reset link is shown."""
    if request.method == "POST":
        return _show_link(accounts.reset_password(_system(), current_actor(), username, base_url()))
    rows = [r for r in accounts.managed(_system(), current_actor(), search=username) if r["username"] == username]
    if not rows:
        abort(404)
    return render_template("accounts/reset.html", account=rows[0])


@bp.post("/<username>/<any(activate, deactivate):action>")
@role_required("admin")
def active(username, action):
    accounts.set_active(_system(), current_actor(), username, action == "activate")
    flash(_("账号已启用") if action == "activate" else _("账号已停用，该用户的全部登录和接口令牌已失效"), "info")
    return redirect(url_for("accounts.index", q=request.args.get("q") or None))


def _memberships(text: str) -> list[tuple[str, str | None]]:
    roles = auth.engine().config.roles
    out = []
    for item in (text or "").replace(",", "\n").replace("，", "\n").splitlines():
        item = item.strip()
        if not item:
            continue
        role, _sep, scope = item.partition(":")
        role, scope = role.strip(), scope.strip() or None
        if role not in roles:
            raise InvalidData(f"角色“{role}”不存在；可用角色：{'、'.join(roles)}", field="memberships")
        out.append((role, scope))
    return out


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    """An administrator creates an account; its activation link is shown (and mailed when possible)."""
    values, error = {}, None
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("username", "display_name", "email", "memberships")}
        try:
            link = accounts.create_account(_system(), current_actor(), values["username"], values["display_name"],
                                           base_url(), email=values["email"],
                                           memberships=_memberships(values["memberships"]))
        except EngineError as exc:
            error = engine_message(exc)
        else:
            return _show_link(link)
    return render_template("accounts/new.html", values=values, error=error, roles=auth.engine().config.roles), \
        (422 if error else 200)


# --------------------------------------------------------------------------- contact details (issue 17)

@bp.get("/unreachable")
@role_required(*MANAGER_ROLES)
def unreachable():
    """Per unit: who has no e-mail address or no mobile number (the talent section follows up)."""
    from workflows.notifications.contacts import unreachable_by_unit
    units = [u for u in unreachable_by_unit(auth.engine()) if u["people"]]
    return render_template("accounts/unreachable.html", units=units, is_admin=_is_admin(),
                           gaps=sum(1 for u in units if not u["complete"]))


@bp.route("/<username>/contacts", methods=["GET", "POST"])
@role_required("admin")
def contacts(username):
    """An administrator sets an account's e-mail address and mobile number (no confirmation)."""
    from workflows.notifications import contacts as service
    engine = auth.engine()
    try:
        mine = service.contacts(engine, username)
    except EngineError:
        abort(404)
    values, error = mine, None
    if request.method == "POST":
        values = {"email": request.form.get("email", "")[:300], "mobile": request.form.get("mobile", "")[:60]}
        try:
            changed = service.set_contacts(engine, current_actor(), username, email=values["email"], mobile=values["mobile"])
        except EngineError as exc:
            error = engine_message(exc)
        else:
            flash(_("%(u)s 的联系方式已保存", u=username) if changed else _("联系方式没有变化"), "success" if changed else "info")
            return redirect(url_for("accounts.index", q=username))
    return render_template("accounts/contacts.html", username=username, values=values, mine=mine, error=error), \
        (422 if error else 200)


@bp.route("/contacts/import", methods=["GET", "POST"])
@role_required("admin")
def import_contacts():
    """The units' contact lists (Excel): every row checked, nothing changes when any row is wrong."""
    from workflows.notifications import contacts as service
    from workflows.notifications import contacts_excel
    errors, message, status = [], None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(contacts_excel.MAX_BYTES + 1) if upload is not None and upload.filename else b""
        try:
            result = service.import_contacts(auth.engine(), current_actor(), contacts_excel.read_sheet(data))
        except InvalidData as exc:
            errors = [dict(e, message=user_text(e.get("message")))
                      for e in exc.details.get("errors") or [] if isinstance(e, dict)]
            message, status = user_text(exc.message), 422
        else:
            flash(_("已检查 %(n)s 行，修改了 %(c)s 个账号的联系方式", n=result["rows"], c=result["changed"]), "success")
            return redirect(url_for("accounts.unreachable"))
    return render_template("accounts/import.html", errors=errors, message=message,
                           max_mb=contacts_excel.MAX_BYTES // (1024 * 1024)), status


@bp.get("/contacts/template.xlsx")
@role_required("admin")
def contacts_template():
    """The list to fill: every active account with its current details."""
    from io import BytesIO

    from workflows.notifications import contacts as service
    from workflows.notifications import contacts_excel
    rows = [r for r in accounts.managed(_system(), current_actor(), limit=100000) if r["active"]]
    with auth.engine().sessions() as s:
        found = service.contacts_of(s, [r["username"] for r in rows])
    data = contacts_excel.template([{"username": r["username"], "name": r["display_name"],
                                     "email": found[r["username"]]["email"], "mobile": found[r["username"]]["mobile"]}
                                    for r in rows])
    return send_file(BytesIO(data), as_attachment=True, download_name="contacts.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
