"""What every command does with its paths and options: check them before any work, and
write outputs whole or not at all.

A failure is a :class:`CommandError`; `graphgrad`'s main prints it as one line
(`graphgrad COMMAND: error: ...`) and exits with its code.
"""
from __future__ import annotations

import os
import secrets
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

EXIT_USAGE = 2  # bad input, as argparse uses
EXIT_FAILED = 1  # the input was fine but something could not be made (no dot, ...)

MAX_DPI = 1200  # a print resolution; Graphviz's bitmaps stop at 32767 pixels a side


class CommandError(Exception):
    """A one-line failure of a command, and its exit code."""

    def __init__(self, message, code=EXIT_USAGE):
        super().__init__(message)
        self.code = code


# ----------------------------------------------------------------------------- checks

def _nearest_existing(path):
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path):
        path = path.parent
    return path


def _probe(directory, option, shown):
    """Create and delete a file in `directory`: the one test that sees permissions,
    read-only file systems and /proc alike (os.access does not, for root)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".graphgrad-probe-", dir=directory)
    except OSError as e:
        raise CommandError(f"{option} {shown}: cannot write in {directory}: "
                           f"{e.strerror or e}") from None
    os.close(fd)
    os.unlink(name)


def _check_parent(directory, option, shown):
    """`directory` exists or can be made, and files can be written in it."""
    existing = _nearest_existing(directory)
    if not existing.is_dir():
        raise CommandError(f"{option} {shown}: {existing} is a file, not a directory")
    _probe(existing, option, shown)


def output_file(path, option, suffixes=None, hint=""):
    """Check that a file can be written at `path` (its folders are made when needed);
    `suffixes`: the ones allowed (lower case, with the dot)."""
    p = Path(path)
    if p.is_dir():
        raise CommandError(f"{option} {path}: is a directory; name a file{hint}")
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise CommandError(f"{option} {path}: cannot tell the format from the name; use "
                           f"{', '.join(suffixes)}")
    _check_parent(p.parent, option, path)
    return p


def output_dir(path, option, names=()):
    """Check that a folder can be written at `path`, and that none of the files to be
    written in it (`names`) is blocked by a folder of that name."""
    p = Path(path)
    if os.path.lexists(p) and not p.is_dir():
        raise CommandError(f"{option} {path}: is a file, not a directory")
    _check_parent(p, option, path)
    for name in names:
        if (p / name).is_dir():
            raise CommandError(f"{option} {path}: {p / name} is a directory, where the "
                               f"file {name} is to be written")
    return p


def dpi(value, option="--dpi"):
    if value is not None and not 1 <= value <= MAX_DPI:
        raise CommandError(f"{option} must be between 1 and {MAX_DPI}, got {value}")
    return value


# ----------------------------------------------------------------------------- writing

def _temporary(path):
    # hidden, in the same folder (os.replace cannot cross file systems), same suffix
    # (the stepper picks its format from it)
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


@contextmanager
def atomic_path(path):
    """A temporary path to write; on success it replaces `path` in one step, so a
    reader never sees half a file and an interrupted write leaves the old one."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CommandError(f"cannot write {path}: {e.strerror or e}", EXIT_FAILED) from None
    tmp = _temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise CommandError(f"cannot write {path}: {e.strerror or e}", EXIT_FAILED) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path, data):
    """Write bytes or text to `path` whole or not at all; returns the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


@contextmanager
def sigint_ignored():
    """Ctrl-C is ignored while the block runs (the final save after a first Ctrl-C must
    not be cut short by a second).  Only the main thread can set signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
