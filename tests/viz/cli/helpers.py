"""What the command-line tests share: main(argv) with its output, and a skip without dot."""
import re
import shutil

import pytest

from viz.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# a word of English: letters only (an apostrophe inside), in brackets or quotes, before
# punctuation; a name with a digit, an underscore, a dot or a hyphen is code, not English
_WORD = re.compile(r"^[(\[{'\"“‘「（]*([A-Za-z][A-Za-z']+)[)\]}'\"”’」）,.;:!?]*$")


# a line that is a command to type (not `graphgrad draw: error: ...`)
_TO_TYPE = re.compile(r"\s*(?:graphgrad|pip install)\b(?! \w+:)(?!:)")
# a command named inside a line: the program's own name and its commands, an install
_COMMAND = re.compile(r"\bgraphgrad(?: (?:tour|draw|figure|train|check)\b)?|"
                      r"\bpip install \S+")


def english_left(text, names=()):
    """The runs of two or more English words in `text`, line by line: a sentence a
    Japanese reader would still find in English.  `names`: words that are names a user
    types or reads as code (options' values, functions, datasets), not English; a line
    that is a command to type (`graphgrad ...`, `pip install ...`) is code too, and so
    are such commands inside a line (`graphgrad train: エラー: ...`)."""
    names = set(names)
    found = []
    for line in text.splitlines():
        if _TO_TYPE.match(line):
            continue
        line = _COMMAND.sub(" ", line)
        run_ = []
        for token in line.split() + [""]:
            m = _WORD.match(token)
            if m and m.group(1) not in names:
                run_.append(token)
                continue
            if len(run_) >= 2:
                found.append(" ".join(run_))
            run_ = []
    return found


def svg_words(svg):
    """What a reader of an SVG drawing sees: its text elements and its tooltips."""
    import html
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    tips = re.findall(r'xlink:title="([^"]*)"', svg)
    return "\n".join(html.unescape(t) for t in texts + tips)


def page_words(page):
    """What a reader of a stepper page sees: its own words (buttons, hint), each frame's
    heading, title and narration, and the words of each frame's drawing."""
    import html
    import json
    data = json.loads(re.search(r'<script id="frames-data" type="application/json">'
                                r'(.*?)</script>', page, re.S).group(1))
    chrome = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    parts = [re.sub(r"<[^>]+>", "\n", chrome)]
    for frame in data:
        parts += [re.sub(r"<[^>]+>", " ", str(frame.get(k, "")))
                  for k in ("heading", "title", "html")]
        parts.append(svg_words(frame.get("svg", "")))
    return html.unescape("\n".join(parts))


def help_of(capsys, *argv):
    """The --help text of `graphgrad *argv`."""
    with pytest.raises(SystemExit) as e:
        main([*argv, "--help"])
    assert e.value.code == 0
    return capsys.readouterr().out
