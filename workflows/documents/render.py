"""HTML templates -> PDF with WeasyPrint; the nominee list also as Excel (``excel.py``).

Each renderer takes a document data object (``data.py``) and returns bytes. Templates live in
``templates/`` beside this module; they share ``base.html`` (A4, the CJK font, 仿宋-like body,
宋体-like headings).
"""
from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path

import qrcode
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .data import Agreement, ApplicationForm, Certificate, DocumentData, NomineeList
from .fonts import check_cjk_font

TEMPLATES = Path(__file__).resolve().parent / "templates"
_DIGITS = "〇一二三四五六七八九"


def cn_date(value: date | None) -> str:
    """2014年5月19日 (blank when unknown, so a printed form leaves room to write it in)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def cn_month(value: date | None) -> str:
    return f"{value.year}.{value.month:02d}" if value else ""


def cn_date_upper(value: date) -> str:
    """二〇一四年九月一日, as dates are written on certificates and seals."""

    def number(n: int) -> str:
        if n < 10:
            return _DIGITS[n] if n else ""
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")

    year = "".join(_DIGITS[int(d)] for d in str(value.year))
    return f"{year}年{number(value.month)}月{number(value.day)}日"


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=1)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(cn_date=cn_date, cn_month=cn_month, cn_date_upper=cn_date_upper)
    return env


_env = _environment()

TEMPLATE_FOR = {
    NomineeList: "nominee_list.html",
    ApplicationForm: "application_form.html",
    Agreement: "agreement.html",
    Certificate: "certificate.html",
}


def render_html(data: DocumentData) -> str:
    font = check_cjk_font()
    extra = {}
    if isinstance(data, Certificate):
        extra["qr"] = qr_data_uri(data.verify_url)
    return _env.get_template(TEMPLATE_FOR[type(data)]).render(doc=data, font=font, **extra)


def render_pdf(data: DocumentData) -> bytes:
    from weasyprint import HTML  # heavy import: only where PDFs are made

    return HTML(string=render_html(data), base_url=str(TEMPLATES)).write_pdf()
