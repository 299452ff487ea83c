"""What the command-line tests share: main(argv) with its output, and a skip without dot."""
import shutil

import pytest

from viz.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
