"""The language of `graphgrad` (viz.cli.lang): --lang before or after the command,
GRAPHGRAD_LANG, argparse's own words, and Japanese lines broken as a terminal shows them."""
import argparse

import pytest

from tests.viz.cli.helpers import run
from viz.cli import COMMANDS, lang


def test_help_in_japanese_before_or_after_the_command(capsys):
    for argv in (["--lang", "ja", "--help"], ["--lang=ja", "-h"]):
        with pytest.raises(SystemExit) as e:
            run(capsys, *argv)
        out = capsys.readouterr().out
        assert e.value.code == 0
        assert out.startswith("使い方: graphgrad ")  # argparse's "usage: "
        assert "オプション:" in out and "位置引数:" in out  # "options", "positional ..."
        assert "このヘルプを表示して終了" in out  # "show this help message and exit"
        assert "連鎖律が目に見える自動微分エンジン。" in out
    for name in COMMANDS:  # every command, its option after its name
        for argv in (["--lang", "ja", name, "-h"], [name, "-h", "--lang", "ja"]):
            with pytest.raises(SystemExit):
                run(capsys, *argv)
            out = capsys.readouterr().out
            assert out.startswith(f"使い方: graphgrad {name} "), (argv, out[:80])
            assert "--lang {en,ja}" in out and "ヘルプ・メッセージ・図の言語" in out


def test_english_help_is_argparses_own(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "--help")
    out = capsys.readouterr().out
    assert out.startswith("usage: graphgrad ") and "\noptions:\n" in out
    assert "show this help message and exit" in out
    with lang.speaking("ja"):
        assert argparse._("usage: ") == "使い方: "
    assert argparse._("usage: ") == "usage: "  # put back after the command


def test_the_variable_sets_the_language_and_lang_en_overrides_it(capsys, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_LANG", "ja")
    code, out, err = run(capsys, "figure", "no-such-figure")
    assert code == 2
    assert err.startswith("graphgrad figure: エラー: 図 'no-such-figure' はありません")
    for argv in (["--lang", "en", "figure", "no-such-figure"],
                 ["figure", "no-such-figure", "--lang", "en"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and err.startswith("graphgrad figure: error: no figure 'no-such-figure'")


def test_argparse_errors_in_japanese(capsys):
    with pytest.raises(SystemExit) as e:
        run(capsys, "--lang", "ja", "figure", "--format", "bmp", "apple")
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "引数 --format: 無効な選択肢: 'bmp'" in err and "graphgrad figure --help を参照" in err
    with pytest.raises(SystemExit):
        run(capsys, "--lang", "ja", "draw")
    assert "次の引数が必要です: EXPR" in capsys.readouterr().err


def test_a_language_graphgrad_does_not_speak(capsys):
    with pytest.raises(SystemExit) as e:
        run(capsys, "--lang", "fr", "tour")
    assert e.value.code == 2
    assert "invalid choice: 'fr' (choose from 'en', 'ja')" in capsys.readouterr().err


def test_from_argv():
    assert lang.from_argv(["figure", "--lang", "ja", "apple"]) == "ja"
    assert lang.from_argv(["--lang=ja", "--lang", "en"]) == "en"  # the last one
    assert lang.from_argv(["draw", "--", "--lang", "ja"]) is None
    assert lang.from_argv(["--lang", "fr"]) is None and lang.from_argv(["--lang"]) is None


def test_japanese_lines_are_broken_by_terminal_cells():
    text = ("エッジに書くもの: numbers（数値。既定）、symbols（本の式: 図5-20、5-22、A-5。"
            "sympy が必要）")
    lines = lang.wrap(text, 30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # a closing mark may hang past the end rather than start the next line
    assert all(lang.cells(line) <= 30 or line[-1] in "、。）" for line in lines)
    assert not any(line[0] in "、。）" for line in lines[1:])  # kinsoku: no closing mark first
    assert not any(line[-1] == "（" for line in lines)  # nor an opening one last
    assert lang.wrap("a few English words", 9) == ["a few", "English", "words"]
    assert lang.pad("リンゴ", 8) == "リンゴ  " and lang.pad("apple", 8) == "apple   "
