"""Documents (附件1 nominee lists, 附件2 application forms, 附件3 agreements, 聘书) and the
certificate copies uploaded with a nomination: listed, downloaded, uploaded, deleted — with the
permission rules of the documents pages (:mod:`workflows.documents.access`)."""
from __future__ import annotations

from flask import Response, current_app, send_file, url_for
from flask_babel import gettext as _

from webapp import auth, busy
from webapp.auth import can_see_instance, current_actor
from workflows.documents import access, listing, service, uploads
from workflows.documents.sources import DocumentNotFound

from . import schemas
from .core import ApiFailure, blueprint, visible_first

documents_blp = blueprint("documents", __name__, "/documents", "文书材料：附件1名单、附件2申报表、附件3联系书、聘书（PDF）")
doc_files_blp = blueprint("document_files", __name__, "", "文书下载")
uploads_blp = blueprint("uploads", __name__, "", "推荐的证书复印件：列出、上传、下载、删除")

PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
XLSX = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}
FILES = {ct: {"schema": {"type": "string", "format": "binary"}} for ct in ("application/pdf", "image/jpeg", "image/png")}


def _system():
    return current_app.extensions["peidai"]


def _not_found():
    return ApiFailure(404, "not_found", _("记录不存在或不在您的范围内"))


def _visible(actor, instance_id) -> bool:
    return can_see_instance(actor, instance_id)


def _send(file, name: str):
    response = send_file(file.path, mimetype=file.content_type, as_attachment=True, download_name=name, max_age=0,
                         etag=file.checksum)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _document(kind: str, ref: str, fmt: str):
    system = _system()
    try:
        return service.document_file(system.engine, system.settings.data_dir, kind, ref, fmt, system.clock.now(),
                                     system.settings)
    except (DocumentNotFound, LookupError):
        raise _not_found() from None
    except service.DocumentChanging as exc:
        raise busy.Busy(str(exc)) from exc


@documents_blp.get("")
@documents_blp.response(200, schemas.DocumentList)
def list_documents():
    """我可以下载的文书：各评选的推荐人选名单、本单位的推荐申报表、本人的聘书和联系书"""
    with auth.engine().sessions() as s:
        offer = listing.offer(s, current_actor())
    out = []
    for r in offer.rounds:
        if r.whole_round:
            out.append({"kind": "nominee_list", "title": _("%(name)s 推荐人选名单", name=r.name), "formats": ["pdf", "xlsx"],
                        "href": url_for("api_document_files.nominee_list_document", round_id=r.round_id)})
        for u in ([] if r.whole_round else r.units):
            out.append({"kind": "nominee_list", "title": _("%(name)s 推荐人选名单（%(unit)s）", name=r.name, unit=u.unit_name),
                        "formats": ["pdf", "xlsx"],
                        "href": url_for("api_document_files.nominee_list_document", round_id=r.round_id, unit_id=u.unit_id)})
    for n in offer.nominations:
        out.append({"kind": "application_form", "title": _("推荐申报表：%(name)s", name=n.name), "formats": ["pdf"],
                    "href": url_for("api_document_files.application_form_document", nomination_id=n.id)})
    if offer.own is not None:
        if offer.own.certificate_id:
            out.append({"kind": "certificate", "title": _("聘书 %(number)s", number=offer.own.certificate_number or ""),
                        "formats": ["pdf"], "href": url_for("api_document_files.certificate_document",
                                                            certificate_id=offer.own.certificate_id)})
        for mid in offer.own.mentorship_ids:
            out.append({"kind": "agreement", "title": _("培带联系书"), "formats": ["pdf"],
                        "href": url_for("api_document_files.agreement_document", mentorship_id=mid)})
    return {"items": out}


@doc_files_blp.get("/nominations/<int:nomination_id>/application-form")
@doc_files_blp.response(200, content_type="application/pdf", description="推荐申报表（附件2）PDF")
@doc_files_blp.doc(responses={200: {"content": PDF}})
def application_form_document(nomination_id):
    """推荐申报表（附件2）PDF"""
    with auth.engine().sessions() as s:
        if access.nomination_readable(s, current_actor(), nomination_id, _visible) is None:
            raise _not_found()
    return _send(_document("application_form", str(nomination_id), "pdf"), f"推荐申报表-{nomination_id}.pdf")


@doc_files_blp.get("/rounds/<int:round_id>/nominee-list")
@doc_files_blp.arguments(schemas.NomineeListArgs, location="query", as_kwargs=True)
@doc_files_blp.response(200, content_type="application/pdf", description="推荐人选名单（附件1）PDF 或 Excel")
@doc_files_blp.doc(responses={200: {"content": PDF | XLSX}})
def nominee_list_document(round_id, format="pdf", unit_id=None):
    """推荐人选名单（附件1），PDF 或 Excel；单位只能取本单位的（只属一个单位时可不填 unit_id）"""
    actor = current_actor()
    if unit_id is None and not access.can_read_nominee_list(actor, None):
        # a unit's staff asking for "the" list get their own unit's rather than a 404
        from workflows.api_reads.scope import unit_scopes
        units = unit_scopes(actor) or set()
        unit_id = next(iter(units)) if len(units) == 1 else None
    if not access.can_read_nominee_list(actor, unit_id):
        raise _not_found()
    ref = f"{round_id}:{unit_id}" if unit_id else str(round_id)
    return _send(_document("nominee_list", ref, format), f"推荐人选名单-{ref.replace(':', '-')}.{format}")


@doc_files_blp.get("/mentorships/<int:mentorship_id>/agreement-form")
@doc_files_blp.response(200, content_type="application/pdf", description="培带联系书（附件3）PDF")
@doc_files_blp.doc(responses={200: {"content": PDF}})
def agreement_document(mentorship_id):
    """培带联系书（附件3）PDF"""
    with auth.engine().sessions() as s:
        if not access.can_read_agreement(s, current_actor(), mentorship_id):
            raise _not_found()
    return _send(_document("agreement", str(mentorship_id), "pdf"), f"培带联系书-{mentorship_id}.pdf")


@doc_files_blp.get("/certificates/<int:certificate_id>/document")
@doc_files_blp.response(200, content_type="application/pdf", description="聘书 PDF（含查验码和二维码）")
@doc_files_blp.doc(responses={200: {"content": PDF}})
def certificate_document(certificate_id):
    """聘书 PDF（含查验码和二维码）"""
    with auth.engine().sessions() as s:
        if not access.can_read_certificate(s, current_actor(), certificate_id):
            raise _not_found()
    return _send(_document("certificate", str(certificate_id), "pdf"), f"聘书-{certificate_id}.pdf")


# --------------------------------------------------------------------------- uploads

def _upload_refused(scope, closed: str) -> ApiFailure:
    """Why adding or deleting a certificate copy is refused: the application is no longer being
    filled in (``closed``), or it is but the caller is not its unit's submitter."""
    if scope is not None and scope.status in access.EDITABLE:
        return ApiFailure(403, "forbidden", _("只有本单位申报人可以上传或删除附件"))
    return ApiFailure(403, "forbidden", closed)


def _scope(nomination_id: int):
    with auth.engine().sessions() as s:
        scope = access.nomination_readable(s, current_actor(), nomination_id, _visible)
    if scope is None:
        raise _not_found()
    return scope


def _upload_out(row) -> dict:
    return {"upload_id": row.id, "nomination_id": row.nomination_id, "category": row.category, "name": row.original_name,
            "content_type": row.content_type, "size": row.size, "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at}


def _one_of_each() -> None:
    """One ``file`` and one ``category`` per request: the form parser reads the first of a repeated
    multipart field, so a second file (or a second category) would be dropped without a word."""
    from flask import request
    from webapp.errors import translate_field_errors
    repeated = [name for name in ("category", "file")
                if len(request.form.getlist(name)) + len(request.files.getlist(name)) > 1]
    if repeated:
        raise ApiFailure(422, "invalid_data", _("提交的数据有误"), translate_field_errors(
            [{"field": name, "code": "maxItems", "params": {"limit": 1}} for name in repeated]))


@uploads_blp.get("/nominations/<int:nomination_id>/uploads")
@uploads_blp.response(200, schemas.UploadList)
def list_uploads(nomination_id):
    """推荐的证书复印件"""
    _scope(nomination_id)
    with auth.engine().sessions() as s:
        return {"items": [_upload_out(r) for r in uploads.list_uploads(s, nomination_id)]}


@uploads_blp.post("/nominations/<int:nomination_id>/uploads")
@visible_first(lambda nomination_id: _scope(nomination_id))
@uploads_blp.arguments(schemas.UploadRequest, location="files")
@uploads_blp.response(201, schemas.UploadSchema)
def add_upload(body, nomination_id):
    """上传证书复印件（填报期间，单位申报人）：multipart/form-data，字段 category 和 file；有活动内容的 PDF、与内容不符的文件被拒绝（422）"""
    system, actor = _system(), current_actor()
    scope = _scope(nomination_id)
    _one_of_each()
    if not access.can_upload(actor, scope):
        raise _upload_refused(scope, _("推荐已报送，不能再上传附件"))
    file = body["file"]
    if not hasattr(file, "stream"):
        raise ApiFailure(422, "invalid_data", _("提交的数据有误"),
                         [{"field": "file", "code": "type", "message": _("请选择要上传的文件")}])
    data_dir = system.settings.data_dir
    try:
        checked = uploads.check_upload(filename=file.filename, content=file.stream, category=body["category"],
                                       declared_type=file.mimetype)
        relative = uploads.write_checked(data_dir, nomination_id, checked)
        try:
            with system.engine.unit_of_work() as s:
                row = uploads.record_upload(s, data_dir, nomination_id=nomination_id, checked=checked, relative=relative,
                                            uploaded_by=actor.username, now=system.clock.now())
                out = _upload_out(row)
        except BaseException:
            (data_dir / relative).unlink(missing_ok=True)
            raise
    except uploads.UploadRefused as exc:
        raise ApiFailure(422, "upload_refused", exc.message,
                         [{"field": "file", "code": exc.reason, "message": exc.message}]) from None
    return out, 201


def _readable_upload(session, upload_id: int):
    row = session.get(uploads.Upload, upload_id)
    if row is None or access.nomination_readable(session, current_actor(), row.nomination_id, _visible) is None:
        raise _not_found()
    return row


@uploads_blp.get("/uploads/<int:upload_id>")
@uploads_blp.response(200, content_type="application/pdf", description="文件（PDF、JPEG 或 PNG）")
@uploads_blp.doc(responses={200: {"content": FILES}})
def download_upload(upload_id):
    """下载一份证书复印件"""
    system = _system()
    with system.engine.sessions() as s:
        row = _readable_upload(s, upload_id)
    try:
        path = uploads.upload_file(system.settings.data_dir, row)
    except FileNotFoundError:
        raise _not_found() from None
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name,
                         max_age=0, etag=row.checksum)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@uploads_blp.delete("/uploads/<int:upload_id>")
@uploads_blp.response(204)
def delete_upload(upload_id):
    """删除一份证书复印件（填报期间，单位申报人）"""
    system, actor = _system(), current_actor()
    with system.engine.unit_of_work() as s:
        row = _readable_upload(s, upload_id)
        scope = access.nomination_scope(s, row.nomination_id)
        if not access.can_upload(actor, scope):
            raise _upload_refused(scope, _("推荐已报送，不能再删除附件"))
        uploads.delete_upload(s, system.settings.data_dir, row)
    return Response(status=204)
