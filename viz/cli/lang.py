"""The language `graphgrad` speaks: `--lang ja` anywhere on the command line (before the
command or after it), else $GRAPHGRAD_LANG, else the locale's language, else English.

The help is written while the parser is built, so the language is read from the command
line first (`from_argv`), and every message of the command modules goes through `_`,
which speaks the language of the command being run (`speaking`).  argparse's own words
("usage:", "options:", "show this help message and exit", its error messages) come from
its module-level gettext functions: while a command runs in a language other than
English they are pointed at graphgrad's catalogue, which carries argparse's message ids,
and put back afterwards.
"""
from __future__ import annotations

import argparse
import unicodedata
from contextlib import contextmanager

from viz import i18n

__all__ = ["LANGS", "_", "cells", "current", "from_argv", "ngettext", "pad", "speaking"]

LANGS = i18n.LANGS
_speaking = []  # the languages of the commands running (main() may be called nested)


def current():
    """The language of the running command; outside one, $GRAPHGRAD_LANG's or the
    locale's."""
    return _speaking[-1] if _speaking else i18n.language()


def _(message):
    return i18n.translations(current()).gettext(message)


def ngettext(singular, plural, n):
    return i18n.translations(current()).ngettext(singular, plural, n)


def from_argv(argv):
    """The --lang value on the command line (the last one; '--lang ja' or '--lang=ja'),
    None when there is none or it names no language graphgrad speaks (argparse then
    says so, in the default language)."""
    value = None
    for k, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and k + 1 < len(argv):
            value = argv[k + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
    return value if value in LANGS else None


@contextmanager
def speaking(lang):
    """Run a command in `lang`: our messages, and argparse's own, in that language."""
    lang = i18n.language(lang)
    _speaking.append(lang)
    saved = argparse._, argparse.ngettext
    if lang != "en":  # English is argparse's own text: left exactly as it is
        argparse._, argparse.ngettext = _, ngettext
    try:
        yield lang
    finally:
        argparse._, argparse.ngettext = saved
        _speaking.pop()


def cells(text):
    """The width of `text` in a terminal: a kanji or kana takes two cells."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text, width):
    """`text` padded with spaces to `width` cells (f"{text:<{width}}" counts characters)."""
    return text + " " * (width - cells(text))
