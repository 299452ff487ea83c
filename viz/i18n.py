"""The languages graphgrad speaks to its readers: gettext catalogues, English and Japanese.

Text a user reads — the stepper's narration, figure titles and captions, the tour's
printout, the command line's help and messages — goes through `translator(lang)`;
exceptions raised by the library stay English, as Python libraries' do.  Which language:

    lang=...  (an argument)  >  $GRAPHGRAD_LANG  >  the locale's language  >  English

The English text is the message id itself (gettext's convention), so English needs no
catalogue.  The sources are `viz/locale/<lang>/LC_MESSAGES/graphgrad.po`; the `.mo` file
gettext reads is compiled from it with Babel at first use (beside it, or in the user's
cache folder when the package folder is read-only), and again whenever the `.po` is newer.
Fonts: Japanese text in PNG/PDF/GIF output needs a CJK font on the machine (`./run`
installs fonts-noto-cjk where it can); `font_family(lang)` names one first.
"""
from __future__ import annotations

import gettext
import locale
import os
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

__all__ = ["spoken", "LANGS", "ENV_VAR", "language", "translator", "translations", "font_family",
           "cjk_family", "cjk_fonts", "FONT_HINT", "cells", "pad", "wrap"]

ENV_VAR = "GRAPHGRAD_LANG"
DOMAIN = "graphgrad"
LOCALE_DIR = Path(__file__).with_name("locale")
# a language is spoken when its catalogue is here: adding one is adding a folder
LANGS = ("en", *sorted(p.name for p in LOCALE_DIR.iterdir()
                       if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists()))

# Graphviz (through pango), browsers and matplotlib take each character from the first
# family that has it.  For ja the Latin families still come first, so digits, ∂, × and −
# look as in English (a CJK font draws them full width), then the Japanese ones for kana
# and kanji, so no glyph falls back to a box; the generic family last.
_LATIN = "DejaVu Sans,Helvetica,Arial"
_CJK = "Noto Sans CJK JP,Noto Sans JP,IPAexGothic,IPAGothic,Hiragino Sans,Yu Gothic,Meiryo"
_GENERIC = "sans-serif"
# the families a language's own script needs, after the Latin ones (none for English)
_SCRIPT_FONTS = {"ja": _CJK}
FONT_HINT = (
    "Japanese text in PNG/PDF/GIF needs a CJK font; install one with:\n"
    "  sudo apt-get install fonts-noto-cjk            (Debian/Ubuntu)\n"
    "  brew install --cask font-noto-sans-cjk-jp      (macOS)\n"
    "  conda install -c conda-forge font-ttf-noto-cjk (conda)")


def language(lang=None):
    """The language to speak: `lang` if given, else $GRAPHGRAD_LANG, else the locale's
    language when graphgrad has a catalogue for it, else 'en'."""
    if lang is None:
        for lang in (_code(os.environ.get(ENV_VAR)), _locale_language()):
            if lang in LANGS:
                return lang
        return "en"  # a language graphgrad does not speak is no error: English
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _code(value):
    """'ja_JP.UTF-8' -> 'ja'."""
    return value.split("_")[0].split(".")[0].split("@")[0].lower() if value else None


def _locale_language():
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):  # gettext's own order
        if os.environ.get(var):
            return _code(os.environ[var])
    try:
        return _code(locale.getlocale()[0])
    except ValueError:
        return None


@cache
def _catalogue(lang):
    if lang == "en":
        return gettext.NullTranslations()
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = _compiled(po, lang)
    with open(mo, "rb") as f:
        return gettext.GNUTranslations(f)


def _compiled(po, lang):
    """The .mo for `po`, compiled when missing or older than the source."""
    for root in (LOCALE_DIR, _cache_dir()):
        mo = root / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            return mo
        try:
            _compile(po, mo)
            return mo
        except OSError:
            continue  # a read-only package folder: the cache next
    raise OSError(f"cannot write the compiled catalogue for {lang!r} anywhere")


def _compile(po, mo):
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        write_mo(f, catalog)
    os.replace(tmp, mo)  # whole or not at all: another process may be reading it


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphgrad" / "locale"


def translator(lang=None):
    """`gettext` of the chosen language: `_ = translator(lang); _("Step {n}")`."""
    return _catalogue(language(lang)).gettext


def translations(lang=None):
    """The chosen language's gettext.NullTranslations (gettext, ngettext, ...)."""
    return _catalogue(language(lang))


def font_family(lang=None):
    """The font families to name in drawings and plots for `lang`."""
    own = _SCRIPT_FONTS.get(language(lang))
    return f"{_LATIN},{own},{_GENERIC}" if own else f"{_LATIN},{_GENERIC}"


def cjk_family(lang=None):
    """The first family of the language's own script that font_family(lang) names (None
    for English)."""
    own = _SCRIPT_FONTS.get(language(lang))
    return own.split(",")[0] if own else None


def cjk_fonts():
    """The families fontconfig has with Japanese coverage ([] without fontconfig)."""
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True,
                         check=False).stdout
    return sorted({name.strip() for line in out.splitlines() for name in line.split(",")
                   if name.strip()})


_STEP = re.compile(r"Step (\d+)")


def spoken(text, _):
    """A declared heading or step text in the reader's language: the engine declares them
    in English (autograd never translates); `_` is viz.i18n's translator.  'Step 3' is
    the catalogue's 'Step {n}' (ステップ3); '' stays '' (gettext's '' is its header)."""
    if not text:
        return text
    m = _STEP.fullmatch(text)
    return _("Step {n}").format(n=m.group(1)) if m else _(text)


# ----------------------------------------------------------------------------- line breaking

def cells(text):
    """The width of `text` in a terminal: a kanji or kana takes two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text, width):
    """`text` padded with spaces to `width` cells (f"{text:<{width}}" counts characters)."""
    return text + " " * (width - cells(text))


# a line never starts with these (the closing marks and the small kana of Japanese
# line breaking, kinsoku)
_NO_START = set("、。，．）」』】〕・：；？！ゃゅょっャュョッー）,.:;)")
_NO_END = set("（「『【〔(")  # nor ends with these
_UNIT = re.compile(r"[ \t]+|[^\s\u3000-\u9fff\uff00-\uffef]+|.", re.S)


def wrap(text, width):
    """`text` broken into lines of at most `width` terminal cells: Latin words whole,
    Japanese between any two characters (textwrap breaks only at spaces, and counts a
    kanji as one column where a terminal gives it two).  A closing mark stays on its
    line, hanging past `width` if it must (burasage)."""
    lines, line = [], ""
    for unit in _UNIT.findall(" ".join(text.split())):
        if unit.isspace():
            unit = " "
        if line and cells(line + unit) > width and unit != " " and \
                unit[0] not in _NO_START:
            carried = line[-1] if line[-1] in _NO_END and len(line) > 1 else ""
            lines.append(line[:len(line) - len(carried)].rstrip())
            line = carried
        if line or unit != " ":
            line += unit
    return lines + ([line.rstrip()] if line.strip() else [])
