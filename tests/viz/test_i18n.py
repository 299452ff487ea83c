"""The language switch, the catalogues and the Japanese font."""
import ast
import io
import re
import shutil
from pathlib import Path

import pytest

from viz import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = i18n.LOCALE_DIR / "ja" / "LC_MESSAGES" / "graphgrad.po"


@pytest.fixture
def no_lang_env(monkeypatch):
    for var in (i18n.ENV_VAR, "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_an_argument_wins_then_the_variable_then_the_locale(no_lang_env):
    env = no_lang_env
    env.setattr(i18n.locale, "getlocale", lambda: (None, None))
    assert i18n.language() == "en"
    env.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.language() == "ja"
    env.setenv(i18n.ENV_VAR, "en")
    assert i18n.language() == "en"
    env.setenv(i18n.ENV_VAR, "ja")
    env.setenv("LANG", "C.UTF-8")
    assert i18n.language() == "ja"
    assert i18n.language("en") == "en"


def test_a_language_without_a_catalogue(no_lang_env):
    no_lang_env.setenv("LANG", "fr_FR.UTF-8")  # a French locale: English, no error
    assert i18n.language() == "en"
    with pytest.raises(ValueError, match="lang must be one of en, ja, got 'fr'"):
        i18n.language("fr")


def test_english_is_the_message_itself_and_japanese_comes_from_the_catalogue():
    assert i18n.translator("en")("Step {n}") == "Step {n}"
    assert i18n.translator("ja")("Step {n}").format(n=1) == "ステップ1"


def _entries():
    from babel.messages.pofile import read_po
    with open(PO, "rb") as f:
        return [m for m in read_po(f, locale="ja") if m.id]


def test_every_catalogue_entry_is_translated_and_not_fuzzy():
    entries = _entries()
    assert entries
    bad = [m.id for m in entries if not m.string or m.fuzzy]
    assert not bad, f"untranslated or fuzzy in {PO.name}: {bad}"


def test_placeholders_survive_translation():
    for m in _entries():
        assert set(re.findall(r"{\w*}", m.id)) == set(re.findall(r"{\w*}", m.string)), m.id


def _messages_in_code():
    """Every string literal handed to a translator call `_(...)` in viz/."""
    found = set()
    for path in (ROOT / "viz").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "_" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_message_in_the_code_is_in_the_catalogue():
    ids = {m.id for m in _entries()}
    missing = sorted(_messages_in_code() - ids)
    assert not missing, f"messages without a Japanese entry in {PO.name}: {missing}"


def test_the_catalogue_is_compiled_again_when_its_source_changes(tmp_path, monkeypatch):
    po = tmp_path / "ja" / "LC_MESSAGES" / "graphgrad.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO.read_text(encoding="utf-8").replace("ステップ{n}", "手順{n}"),
                  encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalogue.cache_clear()
    try:
        assert i18n.translator("ja")("Step {n}") == "手順{n}"
        assert (po.parent / "graphgrad.mo").exists()
    finally:
        i18n._catalogue.cache_clear()


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def _ink(text):
    import graphviz
    from PIL import Image, ImageChops
    g = graphviz.Digraph()
    g.attr(dpi="96")
    g.node("n", label=text, shape="plaintext", fontname=i18n.font_family("ja"),
           fontsize="28")
    im = Image.open(io.BytesIO(g.pipe(format="png"))).convert("L")
    box = ImageChops.invert(im).getbbox()
    return im, box


@needs_dot
def test_japanese_labels_are_drawn_as_glyphs_not_boxes():
    if not i18n.cjk_fonts():
        pytest.skip("no font with Japanese coverage (./run installs fonts-noto-cjk): "
                    + i18n.FONT_HINT.splitlines()[0])
    # a missing glyph is drawn as one and the same box (with its code in hex) whatever
    # the character; real glyphs have inks of their own sizes: リ narrow, ゴ wide
    tofu = _size("\ue000")  # a private-use character: no font has it
    sizes = [_size(c) for c in "リンゴ消費税"]
    assert all(sizes) and len(set(sizes)) > 1
    assert all(size != tofu for size in sizes)
    ringo, mikan = _ink("リンゴ"), _ink("みかん")
    assert ringo[1] and ringo[0].tobytes() != mikan[0].tobytes()


def _size(char):
    _, box = _ink(char)
    return (box[2] - box[0], box[3] - box[1]) if box else None


def test_fontconfig_resolves_the_japanese_family():
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig's fc-match is missing")
    if not i18n.cjk_fonts():
        pytest.skip("no font with Japanese coverage: " + i18n.FONT_HINT.splitlines()[0])
    import subprocess
    first = i18n.font_family("ja").split(",")[0]
    out = subprocess.run(["fc-match", "-f", "%{family}\n%{lang}", f"{first}:lang=ja"],
                         capture_output=True, text=True, check=True).stdout
    assert "ja" in out.splitlines()[-1].split("|")
