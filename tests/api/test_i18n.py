"""The string table is complete (issue 14 item 9): every word sitmap shows has Arabic and Hebrew.

The map scripts, the page templates and the Python that fills them ask for sitmap's words
by their English key (``tr('When')``, ``w.t("Show")``, a popup ``row(card, 'Where', ...)``);
each key found in the sources must be in :data:`api.render.i18n.MESSAGES` with a
translation in both languages, in the right script, with the same ``{fields}``. The
browser suite checks the other half: no English is left on a page in Arabic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.render import i18n
from api.render.i18n import LANGS, LAYER_DESCRIPTIONS, MESSAGES, RTL

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "api" / "render" / "static"
TEMPLATES = ROOT / "api" / "render" / "templates"

#: How the scripts ask for sitmap's words: tr('…'), T(cfg, '…'), fill(cls, '…', …), popup rows,
#: the legend's explanatory rows, the side-by-side table's row names, the layer control's words.
JS_CALLS = (
    r"\btr\(\s*'((?:[^'\\]|\\.)*)'",
    r"\bT\([\w.]+,\s*'((?:[^'\\]|\\.)*)'",
    r"\bfill\([^,()]+,\s*'((?:[^'\\]|\\.)*)'",
    r"\bfill\([^,()]+,\s*\w+\s*\?\s*'((?:[^'\\]|\\.)*)'\s*:\s*'(?:[^'\\]|\\.)*'",
    r"\bfill\([^,()]+,\s*\w+\s*\?\s*'(?:[^'\\]|\\.)*'\s*:\s*'((?:[^'\\]|\\.)*)'",
    r"\brow\(\w+,\s*'((?:[^'\\]|\\.)*)'",
    r"\bline\('((?:[^'\\]|\\.)*)'",
    r"\[\s*'[^']*',\s*(?:true|false),\s*'((?:[^'\\]|\\.)*)'\]",
    r"\[\s*'((?:[^'\\]|\\.)*)',\s*function",
    r"\[\s*'((?:[^'\\]|\\.)*)',\s*'(?:fatalities|injured)'\]",
    r"words:\s*'((?:[^'\\]|\\.)*)'",
    r"words\['((?:[^'\\]|\\.)*)'\]",
    r"\b(?:tr|T)\((?:[\w.]+,\s*)?[^;()]*(?:\([^()]*\)[^;()]*)*\?\s*'((?:[^'\\]|\\.)*)'\s*:",
    r"\b(?:tr|T)\((?:[\w.]+,\s*)?[^;()]*\?\s*'(?:[^'\\]|\\.)*'\s*:\s*'((?:[^'\\]|\\.)*)'\)",
)
#: How templates and Python ask: w.t("…") / w.t('…') (adjacent literals joined), words(...).t("…").
PY_CALLS = (r"""\bw\.t\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)""",)


def js_unescape(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text).replace("\\'", "'")


def keys_in_scripts() -> set[str]:
    found: set[str] = set()
    for path in sorted(STATIC.glob("sitmap-*.js")):
        text = path.read_text(encoding="utf-8")
        for pattern in JS_CALLS:
            found.update(js_unescape(m) for m in re.findall(pattern, text))
    return {k for k in found if re.search("[A-Za-z]", k) and not k.startswith(("sm-", "data-"))}


def keys_in_templates_and_python() -> set[str]:
    found: set[str] = set()
    files = [*TEMPLATES.glob("*.html"), *(ROOT / "api").rglob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in PY_CALLS:
            for group in re.findall(pattern, text):
                found.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', group)))
    return found


def fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def script(lang: str) -> str:
    return {"ar": "[\u0600-\u06ff]", "he": "[\u0590-\u05ff]"}[lang]


def test_the_sources_are_scanned() -> None:
    # the scan finds the words it should, so an empty scan cannot pass for a complete table
    js = keys_in_scripts()
    assert {"When", "Where", "Who says", "{who} said so", "Legend", "time unknown", "(claims)"} <= js
    assert {"corroborated: 2+ independent sources", "Killed (as claimed)", "Killed (claimed)"} <= js
    assert {"checked by an editor", "in force", "Pause"} <= js  # the branches of a choice
    assert len(js) > 90
    py = keys_in_templates_and_python()
    assert {"Show", "Download this view", "since {day}", "Orders in force on {day}"} <= py


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_every_word_the_pages_and_scripts_show_has_a_translation(lang: str) -> None:
    from api.render.words import METHOD_WORDS
    from layers.catalog import DEFAULT_LAYERS, EVENT_STYLE, ORDER_STYLE

    wanted = keys_in_scripts() | keys_in_templates_and_python()
    wanted |= set(METHOD_WORDS.values())  # shown by the popups (cfg.method_words, translated by tr)
    wanted |= {s["label"] for s in (*EVENT_STYLE.values(), *ORDER_STYLE.values())}
    wanted |= {"reported", "corroborated", "disputed", "retracted", "machine", "reviewed", "in force", "lifted"}
    wanted |= {layer.title for layer in DEFAULT_LAYERS}
    missing = sorted(k for k in wanted if not MESSAGES.get(k, {}).get(lang))
    assert not missing, f"no {lang} translation for: {missing}"
    assert {layer.id for layer in DEFAULT_LAYERS} <= set(LAYER_DESCRIPTIONS)
    assert all(d.get(lang) for d in LAYER_DESCRIPTIONS.values())


@pytest.mark.parametrize("lang", sorted(RTL))
def test_translations_are_in_the_right_script_with_the_same_fields(lang: str) -> None:
    for key, tr in MESSAGES.items():
        text = tr[lang]
        assert fields(text) == fields(key), (key, text)
        if re.search("[A-Za-z]{2}", re.sub(r"\{\w+\}|UTC|PNG|iframe|sitmap", "", key)):
            assert re.search(script(lang), text), f"{key!r} -> {text!r} is not in {lang} script"


def test_place_names_come_from_the_gazetteer_in_the_readers_script() -> None:
    ar, he = i18n.place_names("ar"), i18n.place_names("he")
    assert ar["Khan Younis"] == "خان يونس" and he["Khan Younis"] == "ח'אן יונס"
    assert ar["North Gaza"] == "محافظة شمال غزة"  # the governorate as COD-AB names it
    assert i18n.place_names("en") == {} and i18n.words("he").place("Nowhere-on-the-map") == "Nowhere-on-the-map"
    assert all(re.search(script("ar"), v) for v in ar.values())
    assert all(re.search(script("he"), v) for v in he.values())
