"""Access tokens: the request that makes one, and a token as it is listed."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from ..scopes import SCOPES
from .common import Closed, choice, list_of, when

SCOPE_TEXT = ("令牌的权限：read 查看、act 办理（认领、办理、分派、转办、发起、上传等）、admin 管理（开启评选、拨动试运行时钟、设置他人的联系方式）；"
              "不超过用户的角色所允许的（read 人人可有，act 须有角色，admin 须为人才科或系统管理员）")


class TokenRequest(Closed):
    username = f.String(required=True, validate=v.Length(min=1, max=80))
    password = f.String(required=True, validate=v.Length(min=1, max=200), metadata={"format": "password"})
    name = f.String(validate=v.Length(max=80), metadata={"description": "令牌名称（如“人事系统对接”）"})
    days = f.Integer(validate=v.OneOf([30, 90, 180, 365]), metadata={"description": "有效天数（默认 90）"})
    scopes = f.List(choice(SCOPES), validate=v.Length(min=1, max=len(SCOPES)), metadata={
        "description": SCOPE_TEXT + "。不填则为用户的角色所允许的全部权限；超出时 422"})


class TokenSchema(ma.Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    hint = f.String(required=True, metadata={"description": "令牌开头几位，便于辨认"})
    created_at = when(required=True)
    expires_at = when()
    last_used_at = when()
    revoked_at = when()
    scopes = f.List(f.String(), allow_none=True, required=True, metadata={
        "description": SCOPE_TEXT + "。null：未限定（旧令牌或账户页面生成的令牌），与用户的权限相同"})


class NewTokenSchema(TokenSchema):
    token = f.String(required=True, metadata={"description": "访问令牌，只显示这一次；请求头 `Authorization: Bearer <令牌>`"})


TokenList = list_of(TokenSchema, "TokenList")
