"""The English catalogue of the web pages (webapp/translations/en): after the extraction of
webapp/translations/README, every entry is translated (none empty, none fuzzy), keeps its
placeholders and is compiled; and babel.cfg reaches every module and template that has a string
to translate. (The models' own text is English through bpmn/i18n/en.json: test_i18n_models.py.)

The test reads the catalogue as committed, not a fresh extraction: a string added to the code is
caught once the extraction has run (README), so it never turns red under someone who only added it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from peidai.settings import PROJECT_ROOT

WEBAPP = PROJECT_ROOT / "webapp"
PO = WEBAPP / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as fh:
        return read_po(fh)


def _entries(catalogue):
    return [m for m in catalogue if m.id]


def test_every_entry_of_the_catalogue_is_translated(catalogue):
    untranslated = [m.id for m in _entries(catalogue)
                    if not (all(m.string) if isinstance(m.string, tuple) else (m.string or "").strip())]
    fuzzy = [m.id for m in _entries(catalogue) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} entries without English in {PO.name}: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries in {PO.name} (check and unmark them): {fuzzy[:20]}"
    assert len(_entries(catalogue)) > 500


def test_a_translation_keeps_the_placeholders_of_its_text(catalogue):
    wrong = [(m.id, m.string) for m in _entries(catalogue) if isinstance(m.id, str)
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string or ""))]
    assert not wrong, wrong[:20]


def test_the_compiled_catalogue_is_the_catalogue(catalogue):
    """``pybabel compile`` ran after the last change of the .po (the pages read the .mo)."""
    with MO.open("rb") as fh:
        compiled = read_mo(fh)
    stale = [m.id for m in _entries(catalogue) if not m.fuzzy and (compiled.get(m.id) is None
                                                                   or compiled.get(m.id).string != m.string)]
    assert not stale, f"run pybabel compile -d webapp/translations: {stale[:20]}"


def test_babel_cfg_reaches_every_module_and_template_with_user_strings():
    with (WEBAPP / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    reached = set()

    def seen(filename, method, options):
        reached.add(Path(filename).as_posix())

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    for _ in extract_from_dir(str(WEBAPP), method_map, options_map, keywords=keywords, callback=seen):
        pass
    uses = re.compile(r"from flask_babel import[^\n]*gettext|\b_l?\(\s*[\"']")
    wanting = {p.relative_to(WEBAPP).as_posix() for p in list(WEBAPP.rglob("*.py")) + list(WEBAPP.rglob("*.html"))
               if "node_modules" not in p.parts and uses.search(p.read_text(encoding="utf-8", errors="replace"))}
    missed = sorted(wanting - reached)
    assert not missed, f"webapp/babel.cfg does not extract: {missed}"



def _programme_words() -> dict[str, str]:
    """The Chinese labels the programme hands the pages (shown through the ``word`` filter)."""
    import importlib
    import json
    words = {}
    for module, names in {"workflows.office": ("ROUND_STATUS", "LIST_STATUS", "UNIT_KINDS", "NOMINATION_STATUS", "VOTES",
                                               "CHANGE_KINDS", "INCENTIVE_LIST_STATUS", "STATE_GROUPS"),
                          "workflows.corner": ("SHIP_STATUS", "MENTEE_STATUS", "RESULTS", "BENEFIT_STATUS", "CERT_STATUS"),
                          "workflows.events": ("STATUS",), "workflows.publicity": ("STATUS",)}.items():
        m = importlib.import_module(module)
        for name in names:
            table = getattr(m, name)
            for text in (table if name == "STATE_GROUPS" else table.values()):
                words[text] = f"{module}.{name}"

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "label" and isinstance(value, str):
                    words[value] = "workflows/programme_rules.json"
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(json.loads((PROJECT_ROOT / "workflows" / "programme_rules.json").read_text(encoding="utf-8")))
    # the message centre's kinds and channels (account/contacts.html, /api/v1/me/channels) and the
    # mail states (/admin/mail), shown through _()
    from workflows.notifications import kinds, mailer
    for label, _templates in kinds.KINDS.values():
        words[label] = "workflows.notifications.kinds.KINDS"
    for label in kinds.CHANNELS.values():
        words[label] = "workflows.notifications.kinds.CHANNELS"
    for label in mailer.STATUS_LABELS.values():
        words[label] = "workflows.notifications.mailer.STATUS_LABELS"
    return words


def test_every_label_the_programme_gives_the_pages_has_english(catalogue):
    from webapp.i18n import MODEL_TEXTS, texts_of
    models = texts_of({MODEL_TEXTS: (PROJECT_ROOT / "bpmn" / MODEL_TEXTS).read_text(encoding="utf-8")})
    translated = {m.id for m in _entries(catalogue) if m.string}
    missing = {w: where for w, where in _programme_words().items() if w not in translated and w not in models}
    assert not missing, f"add these to webapp.labels.WORDS (or bpmn/i18n/en.json) and translate them: {missing}"
