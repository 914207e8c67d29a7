"""Every PDF renders with an embedded CJK font, shows its data, and page 1 is not blank."""
from __future__ import annotations

import re
import subprocess

import pytest
from PIL import Image

from workflows.documents.render import cn_date_upper, render_pdf

from .conftest import SAMPLES

EXPECTED_TEXT = {
    "nominee_list": ["附件1", "赤峰市人才培带人推荐人选名单", "乌兰其其格", "高技能人才", "共推荐4人"],
    "application_form": ["附件2", "赤峰市人才培带人推荐申报表", "王建国", "研究生/硕士", "正高级", "玉龙人才",
                         "同意推荐为人才培带人", "材料齐全", "7票同意", "盖章", "签批", "1990年7月1日"],
    "agreement": ["附件3", "赤峰市人才培带联系书", "陈晓东", "白雪", "2014年9月1日", "2017年8月31日",
                  "年度考核内容", "水资源规划", "培带人（签字）", "培带对象（签字）"],
    "certificate": ["聘", "王建国", "专业技术人才", "CFPD-2014-0001", "中共赤峰市委组织部", "二〇一四年九月一日",
                    "K7Q4M2XD", "/verify/K7Q4M2XD"],
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdfs")
    paths = {}
    for kind, make in SAMPLES.items():
        path = folder / f"{kind}.pdf"
        path.write_bytes(render_pdf(make()))
        paths[kind] = path
    return paths


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_pdf_embeds_a_cjk_font(pdfs, kind):
    out = subprocess.run(["pdffonts", str(pdfs[kind])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    cjk = [r for r in rows if "CJK" in r[0]]
    assert cjk, out
    # columns: name type encoding emb sub uni object ID; "emb" is the 4th from the end
    assert all(r[-5] == "yes" for r in rows), out


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_pdf_shows_its_data(pdfs, kind):
    text = subprocess.run(["pdftotext", "-layout", str(pdfs[kind]), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = "".join(text.split())  # table cells wrap: compare without line breaks and padding
    for expected in EXPECTED_TEXT[kind]:
        assert expected in text, f"{expected!r} missing from {kind}"


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_pdf_first_page_is_not_blank(pdfs, kind, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdfs[kind]),
                    str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as im:
        gray = im.convert("L")
        dark = sum(gray.histogram()[:200])
        share = dark / (gray.width * gray.height)
    assert share > 0.01, f"page 1 of {kind} is almost blank ({share:.2%} dark pixels)"


def test_application_form_fits_two_pages(pdfs):
    info = subprocess.run(["pdfinfo", str(pdfs["application_form"])], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M), info


def test_revoked_certificate_is_printed_with_a_revocation_stamp(tmp_path):
    from datetime import date

    from .conftest import sample_certificate

    doc = sample_certificate()
    doc.revoked_on = date(2015, 9, 4)
    path = tmp_path / "revoked.pdf"
    path.write_bytes(render_pdf(doc))
    text = "".join(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "已撤销" in text and "2015年9月4日撤销" in text
    plain = tmp_path / "valid.pdf"
    plain.write_bytes(render_pdf(sample_certificate()))
    assert "已撤销" not in subprocess.run(["pdftotext", str(plain), "-"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("day, expected", [((2014, 9, 1), "二〇一四年九月一日"), ((2017, 10, 20), "二〇一七年十月二十日"),
                                           ((2020, 12, 31), "二〇二〇年十二月三十一日")])
def test_certificate_dates_are_written_in_chinese_numerals(day, expected):
    from datetime import date
    assert cn_date_upper(date(*day)) == expected
