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
from contextlib import contextmanager

from viz import i18n
from viz.i18n import cells, pad, wrap  # the languages' line breaking, terminal cells

__all__ = ["LANGS", "_", "cells", "current", "formatter", "from_argv", "ngettext", "pad",
           "speaking", "wrap"]

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


class _Wrapping:
    """argparse's help formatting, with lines measured and broken as a terminal shows
    Japanese (see wrap)."""

    def _split_lines(self, text, width):
        return wrap(text, width)

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


def formatter(cls):
    """`cls` (an argparse formatter class) breaking lines as a terminal shows them, for a
    language other than English; English keeps argparse's own."""
    if current() == "en" or issubclass(cls, _Wrapping):
        return cls
    if issubclass(cls, argparse.RawDescriptionHelpFormatter):  # its text is laid out
        return type(f"Wrapping{cls.__name__}", (_RawWrapping, cls), {})
    return type(f"Wrapping{cls.__name__}", (_Wrapping, cls), {})


class _RawWrapping(_Wrapping):
    def _fill_text(self, text, width, indent):
        return argparse.RawDescriptionHelpFormatter._fill_text(self, text, width, indent)
