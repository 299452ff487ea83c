"""The `graphgrad` command: tour, draw, figure, train, one module each.

Each command module has `add_parser(sub)` (its options, next to its code) and `run(args)`
returning the exit code.  Paths and options are checked before any work; a failure is one
line, `graphgrad COMMAND: error: ...`, and a non-zero exit, never a traceback
(GRAPHGRAD_DEBUG=1 shows the traceback of an unexpected error).  Every command takes
`--lang ja` (before or after the command's name; $GRAPHGRAD_LANG sets the default): the
help, the messages and what the command draws are then Japanese (viz.cli.lang).
"""
import argparse
import errno
import importlib
import os
import sys
import warnings
from contextlib import contextmanager

from viz.cli.files import EXIT_FAILED, CommandError
from viz.cli.lang import LANGS, _, formatter, from_argv, speaking

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = ("tour", "draw", "figure", "train", "check", "serve")

# errors of writing to a standard stream (no file name): a full disk, a closed pipe
_STREAM_ERRORS = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EFBIG, errno.EDQUOT}


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (not after the whole usage block)."""

    def error(self, message):
        self.exit(2, _("{prog}: error: {message} (see {prog} --help)").format(
            prog=self.prog, message=message) + "\n")


def _lang_option(parser, default):
    parser.add_argument("--lang", choices=LANGS, default=default,
                        help=_("the language of the help, the messages and the drawings: "
                               "en or ja (default: $GRAPHGRAD_LANG, else the locale's)"))


def build_parser():
    parser = _Parser(
        prog="graphgrad", description=_("An autograd engine whose chain rule you can see."))
    _lang_option(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"viz.cli.{name}")
        p = module.add_parser(sub)
        # after the command too; SUPPRESS: an absent one leaves the global option's value
        _lang_option(p, argparse.SUPPRESS)
        p.formatter_class = formatter(p.formatter_class)
        p.set_defaults(func=module.run)
    parser.formatter_class = formatter(parser.formatter_class)
    return parser


def _silence_stdout():
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout
        pass


@contextmanager
def _warnings_as_lines(prog):
    """Warnings (a damaged cached file, an overflow) as one line each, not two."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(_("{prog}: warning: {message}").format(prog=prog, message=message),
              file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def _run(args, prog):
    try:
        code = args.func(args) or 0
        sys.stdout.flush()
        return code
    except CommandError as e:
        print(_("{prog}: error: {message}").format(prog=prog, message=e), file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print(_("{prog}: interrupted").format(prog=prog), file=sys.stderr)
        return 130
    except MemoryError:
        print(_("{prog}: error: out of memory").format(prog=prog), file=sys.stderr)
        return EXIT_FAILED


def main(argv=None):
    """The `graphgrad` command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with speaking(from_argv(argv)):
        return _main(argv)


def _main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    prog = f"graphgrad {args.command}"
    try:
        with _warnings_as_lines(prog):
            return _run(args, prog)
    except BrokenPipeError:  # `graphgrad draw ... | head`: the reader left, not an error
        _silence_stdout()
        return 0
    except OSError as e:
        if e.filename is not None or e.errno not in _STREAM_ERRORS:
            return _unexpected(prog, e)
        _silence_stdout()
        print(_("{prog}: error: cannot write to standard output: {reason}").format(
            prog=prog, reason=e.strerror), file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:
        return _unexpected(prog, e)


def _unexpected(prog, e):
    if os.environ.get("GRAPHGRAD_DEBUG"):
        raise e
    detail = f"{type(e).__name__}: {e}".splitlines()[0]
    print(_("{prog}: error: {message} (GRAPHGRAD_DEBUG=1 shows where)").format(
        prog=prog, message=detail), file=sys.stderr)
    return EXIT_FAILED
