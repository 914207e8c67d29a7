"""``peidai documents check-fonts`` succeeds with the Debian Noto CJK fonts and fails loudly without."""
from __future__ import annotations

import click
from click.testing import CliRunner

from workflows.documents import cli, fonts


def _group():
    group = click.Group()
    cli.register(group)
    return group


def test_check_fonts_names_the_font():
    fonts.check_cjk_font.cache_clear()
    result = CliRunner().invoke(_group(), ["documents", "check-fonts"])
    assert result.exit_code == 0 and "CJK" in result.output


def test_check_fonts_fails_without_a_cjk_font(monkeypatch):
    fonts.check_cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "installed_cjk_families", lambda: [])
    result = CliRunner().invoke(_group(), ["documents", "check-fonts"])
    fonts.check_cjk_font.cache_clear()
    assert result.exit_code != 0 and "fonts-noto-cjk" in result.output
