"""Access tokens: a program gets one with the user's name and password (throttled exactly like
the log-in page: the same counters, per account and address), lists its user's tokens and
revokes one. A token acts as its user, never more: the same roles and data scopes, checked on
each request, and only what its own scopes allow (:mod:`webapp.api.scopes`: read, act, admin,
never wider than its user's roles); a deactivated user's tokens stop working."""
from __future__ import annotations

from flask import Response
from flask_babel import gettext as _

from engine import NotFound
from webapp import auth, security, users
from webapp.auth import current_actor

from . import schemas, scopes
from .core import ApiFailure, blueprint, public

blp = blueprint("tokens", __name__, "/tokens", "访问令牌：用用户名和密码换取令牌（与登录同样限制尝试次数）、列出、撤销")


def _wait_minutes(seconds: int) -> int:
    return max(1, -(-int(seconds) // 60))


@blp.post("")
@public(blp)
@blp.arguments(schemas.TokenRequest)
@blp.response(201, schemas.NewTokenSchema)
@blp.alt_response(401, schema=schemas.ErrorSchema, description="用户名或密码不正确")
@blp.alt_response(422, schema=schemas.ErrorSchema, description="数据有误，或所要的权限（scopes）超出用户的角色所允许的")
@blp.alt_response(429, schema=schemas.ErrorSchema, description="尝试次数过多（Retry-After 为等待秒数）")
def create_token(body):
    """换取访问令牌（用户名和密码）

    令牌只在这次答复中出现；请求头 `Authorization: Bearer <令牌>`。失败次数过多时 429（与登录页共用计数），
    `Retry-After` 为等待秒数。`scopes` 限定令牌的权限（read、act、admin），不能超出用户的角色所允许的（422）；
    不填则为用户的角色所允许的全部权限。"""
    username = body["username"].strip()[:80]
    throttle = security.throttle()
    verdict = throttle.check(username, None)
    if verdict.refused_for:
        raise ApiFailure(429, "too_many_requests",
                         _("登录失败次数过多，请 %(minutes)s 分钟后再试；如忘记密码，可申请重置",
                           minutes=_wait_minutes(verdict.refused_for)),
                         headers={"Retry-After": str(verdict.refused_for)})
    if verdict.delay:
        throttle.sleep(verdict.delay)
    name = users.check_login(auth.engine(), username, body["password"])
    if name is None:
        throttle.failed(username, None)
        raise ApiFailure(401, "invalid_credentials", _("用户名或密码不正确"))
    throttle.succeeded(username, None)
    engine = auth.engine()
    mine = scopes.allowed(engine.actor_for(name))
    wanted = scopes.ordered(body.get("scopes") or mine)
    wider = [w for w in wanted if w not in mine]
    if wider:
        raise ApiFailure(422, "invalid_data", _("提交的数据有误"), [{
            "field": "scopes", "code": "too_wide",
            "message": _("您的角色不允许令牌有以下权限：%(scopes)s", scopes=scopes.label(wider))}])
    token, info = scopes.create_token(engine, name, body.get("name") or "接口令牌", body.get("days") or 90, wanted)
    return info | {"token": token}, 201


@blp.get("")
@blp.response(200, schemas.TokenList)
def list_tokens():
    """我的访问令牌（及各自的权限 scopes）"""
    engine, username = auth.engine(), current_actor().username
    return {"items": scopes.with_scopes(engine, username, users.own_tokens(engine, username))}


@blp.delete("/<int:token_id>")
@scopes.requires(blp, "read")
@blp.response(204)
def revoke_token(token_id):
    """撤销我的一个令牌（撤销后使用它的程序无法再访问）

    任何权限的令牌都可以撤销本人的令牌（包括它自己）：撤销只会缩小权限。"""
    try:
        users.revoke_token(auth.engine(), current_actor().username, token_id)
    except NotFound:
        raise ApiFailure(404, "not_found", _("令牌不存在")) from None
    return Response(status=204)
