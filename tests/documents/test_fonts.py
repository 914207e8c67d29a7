"""The start-up check fails loudly when no CJK font is installed."""
from __future__ import annotations

import subprocess

import pytest

from workflows.documents import fonts
from workflows.documents.fonts import CJKFontMissing


def test_installed_cjk_font_is_found():
    fonts.check_cjk_font.cache_clear()
    assert "CJK" in fonts.check_cjk_font() or "WenQuanYi" in fonts.check_cjk_font()


def test_no_cjk_font_fails_loudly(monkeypatch):
    fonts.check_cjk_font.cache_clear()
    monkeypatch.setattr(fonts.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="", stderr=""))
    with pytest.raises(CJKFontMissing, match="fonts-noto-cjk"):
        fonts.check_cjk_font()
    fonts.check_cjk_font.cache_clear()


def test_missing_fontconfig_fails_loudly(monkeypatch):
    fonts.check_cjk_font.cache_clear()
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    with pytest.raises(CJKFontMissing, match="fc-list"):
        fonts.check_cjk_font()
    fonts.check_cjk_font.cache_clear()


def test_render_refuses_without_a_cjk_font(monkeypatch):
    from workflows.documents.render import render_html

    from .conftest import sample_certificate

    fonts.check_cjk_font.cache_clear()
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    with pytest.raises(CJKFontMissing):
        render_html(sample_certificate())
    fonts.check_cjk_font.cache_clear()
