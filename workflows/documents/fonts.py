"""The CJK font every PDF needs. Without one, WeasyPrint silently draws empty boxes for Chinese
text, so the check fails loudly instead: the document service calls it before rendering and the
app and the worker can call it at start-up (``check_cjk_font()``)."""
from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

# preferred first: a Song-style serif for official documents, then sans fallbacks
PREFERRED = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs is installed: PDFs would show empty boxes."""


def installed_cjk_families() -> list[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise CJKFontMissing("未找到 fc-list（fontconfig），无法确认中文字体；请运行 scripts/system-deps.sh "
                             "(fontconfig is missing: install fontconfig and fonts-noto-cjk)")
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False)
    families = set()
    for line in out.stdout.splitlines():
        families.update(part.strip() for part in line.split(",") if part.strip())
    return sorted(families)


@lru_cache(maxsize=1)
def check_cjk_font() -> str:
    """Return the CJK font family PDFs use; raise :class:`CJKFontMissing` when there is none."""
    families = installed_cjk_families()
    for name in PREFERRED:
        if name in families:
            return name
    if families:
        return families[0]
    raise CJKFontMissing("系统中没有可用的中文字体，无法生成 PDF；请安装 fonts-noto-cjk（scripts/system-deps.sh）"
                         f" (no CJK font found by fc-list; found: {', '.join(families) or 'none'})")
