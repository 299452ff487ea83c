"""viz.cli.files: the checks before any work, atomic writes, Ctrl-C held off."""
import os
import signal

import pytest

from viz.cli import files
from viz.cli.files import CommandError


def test_output_file_and_dir_checks(tmp_path):
    (tmp_path / "f").write_text("x")
    assert files.output_file(tmp_path / "new" / "deeper" / "g.svg", "-o") is not None
    assert not (tmp_path / "new").exists()  # checked, not made
    with pytest.raises(CommandError, match="is a directory"):
        files.output_file(tmp_path, "-o")
    with pytest.raises(CommandError, match="is a file, not a directory"):
        files.output_file(tmp_path / "f" / "g.svg", "-o")
    with pytest.raises(CommandError, match="use .svg, .png"):
        files.output_file(tmp_path / "g.jpeg", "-o", (".svg", ".png"))
    with pytest.raises(CommandError, match="is a file, not a directory"):
        files.output_dir(tmp_path / "f", "--out")
    (tmp_path / "d" / "history.json").mkdir(parents=True)
    with pytest.raises(CommandError, match="history.json is a directory"):
        files.output_dir(tmp_path / "d", "--out", ["params.npz", "history.json"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_write_atomic_replaces_in_one_step(tmp_path):
    path = tmp_path / "a" / "out.txt"
    assert files.write_atomic(path, "one") == path and path.read_text() == "one"
    with pytest.raises(ZeroDivisionError), files.atomic_path(path) as tmp:
        tmp.write_text("half of the new cont")
        raise ZeroDivisionError
    assert path.read_text() == "one"  # the old file, untouched
    assert os.listdir(path.parent) == ["out.txt"]  # and no temporary file left
    with pytest.raises(CommandError, match="cannot write"):
        files.write_atomic(path / "under-a-file", b"x")


def test_sigint_is_ignored_while_saving():
    with files.sigint_ignored():
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C: nothing happens
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("value, ok", [(1, True), (1200, True), (0, False), (-5, False),
                                       (1201, False), (None, True)])
def test_dpi(value, ok):
    if ok:
        assert files.dpi(value) == value
    else:
        with pytest.raises(CommandError, match="between 1 and 1200"):
            files.dpi(value)
