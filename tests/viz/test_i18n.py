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


_PLACEHOLDER = re.compile(r"{\w*}|%\(\w+\)[sdr]|%[sdr]")  # ours, and argparse's


def _texts(x):
    return [x] if isinstance(x, str) else list(x)


def test_placeholders_survive_translation():
    for m in _entries():
        wanted = set(_PLACEHOLDER.findall(_texts(m.id)[-1]))
        for text in _texts(m.string):
            assert set(_PLACEHOLDER.findall(text)) == wanted, m.id


def _messages_in_code():
    """Every string literal handed to a translator call `_(...)` or marked `N_(...)` (a
    refusal's template, viz.refusal) in viz/, and in the checker (autograd/check/: its
    report's words, and each Message's English template, the second argument of
    `Message(code, template, ...)`, which viz translates)."""
    found = set()
    for path in [*(ROOT / "viz").rglob("*.py"), *(ROOT / "autograd" / "check").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            k = {"_": 0, "N_": 0, "Message": 1}.get(node.func.id)
            if k is not None and len(node.args) > k and isinstance(node.args[k], ast.Constant) \
                    and isinstance(node.args[k].value, str):
                found.add(node.args[k].value)
    return found


def test_every_message_in_the_code_is_in_the_catalogue():
    ids = {m.id for m in _entries()}
    missing = sorted(_messages_in_code() - ids)
    assert not missing, f"messages without a Japanese entry in {PO.name}: {missing}"


def test_a_refusal_is_made_from_a_marked_template():
    """A learner's refusal (ExprError, PlayError) written as a bare or f-string literal would
    reach a Japanese reader in English: its text is an N_("...") template."""
    bare = []
    for path in (ROOT / "viz").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("ExprError", "PlayError") and node.args \
                    and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, f"refusals without an N_ template: {bare}"


_WORDS = re.compile(r"\b(?!exp\b|tanh\b|log\b)[a-z]{2,}\b")  # English, not a function


def _by_name():
    """The texts translated at display time by name, not as a literal in `_()`: each
    composite's declared steps (the engine declares them in English), the primitives'
    formulas that have words in them, the legend, the install hint, the figures'
    descriptions, the tour's list of drawings, the notebooks' placeholder for a live
    stepper."""
    from autograd import PRIMITIVES
    from autograd.graph import COMPOSITES
    from viz import dot, figures, render
    from viz.cli import tour
    texts = [render.INSTALL_HINT, dot.LEGEND_DIVISION, dot.LEGEND_RECIPROCAL, dot.LEGEND_MARKS]
    for comp in COMPOSITES.values():
        for step in comp.steps or ():
            texts += [step["heading"], step.get("text", "")]
    texts += [p.formula for p in PRIMITIVES.values() if _WORDS.search(p.formula)]
    for f in figures.FIGURES.values():
        texts.append(f.about)
        if _WORDS.search(f.book):  # "the graph of 5-19 ..." (not "5-14, 5-16")
            texts.append(f.book)
    texts += [about for _name, about, _options in tour.DRAWINGS]
    texts.append(_notebooks_note())
    return [t for t in texts if t]


def _notebooks_note():
    """notebooks/sync.py's LIVE_ONLY_NOTE, read from its source (importing it needs the
    notebooks' own dependencies)."""
    tree = ast.parse((ROOT / "notebooks" / "sync.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == \
                "LIVE_ONLY_NOTE":
            return ast.literal_eval(node.value)
    raise AssertionError("notebooks/sync.py has no LIVE_ONLY_NOTE")


def test_every_text_translated_by_name_is_translated():
    from viz.i18n import spoken
    ja = i18n.translator("ja")
    untranslated = [t for t in _by_name() if spoken(t, ja) == t]
    assert not untranslated, f"no Japanese in {PO.name} for: {untranslated}"
    # the book's six steps of appendix A, and sigmoid's four, by the catalogue's "Step {n}"
    assert [spoken(f"Step {k}", ja) for k in (1, 6)] == ["ステップ1", "ステップ6"]


def test_the_books_names_of_the_shopping_graph():
    from viz.figures import book_names
    assert book_names("ja") == {"apple": "リンゴ", "apple_num": "リンゴの個数", "tax": "消費税",
                                "orange": "みかん", "orange_num": "みかんの個数",
                                "price": "支払金額"}
    assert book_names("en") == {k: k for k in book_names("en")}
    # the fruit's context keeps it apart from the colour of the player's hint
    assert i18n.translator("ja")("orange") == "オレンジ"


def test_argparse_messages_are_in_the_catalogue():
    """The argparse messages graphgrad's help and errors show are ones argparse asks its
    gettext for, in this Python's argparse.py: a renamed one would go untranslated."""
    import argparse
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    asked = set(re.findall(r"""\b_\((['"])(.+?)\1\)""", source))
    asked = {m for _q, m in asked}
    for mid in ("usage: ", "options", "positional arguments",
                "show this help message and exit", "the following arguments are required: %s",
                "invalid choice: %(value)r (choose from %(choices)s)",
                "argument %(argument_name)s: %(message)s", "unrecognized arguments: %s"):
        assert mid in asked, mid
        assert i18n.translator("ja")(mid) != mid, mid


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
    families = i18n.font_family("ja").split(",")
    assert families.index(i18n.cjk_family("ja")) < families.index("sans-serif")
    first = i18n.cjk_family("ja")  # the family the kana and kanji are taken from
    out = subprocess.run(["fc-match", "-f", "%{family}\n%{lang}", f"{first}:lang=ja"],
                         capture_output=True, text=True, check=True).stdout
    assert "ja" in out.splitlines()[-1].split("|")
