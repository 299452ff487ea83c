"""`graphgrad serve`: the playground in a browser, served on 127.0.0.1 only (viz.play).

Prints the address to open (http://127.0.0.1:PORT/), opens the browser unless
--no-browser, and serves until Ctrl-C.  The default port taken, another free one is used
and said; a port given with --port and taken is an error.
"""
from __future__ import annotations

import argparse

from viz.cli.files import CommandError
from viz.cli.lang import _, current

MAX_PORT = 65535


def add_parser(sub):
    p = sub.add_parser(
        "serve", help=_("the playground: type an expression, see it drawn and stepped"),
        description=_("Serve the playground on this computer only (127.0.0.1): type an "
                      "expression, see its graph drawn as the book draws it, step through "
                      "its backward pass. The address holds the state, so a link opens "
                      "exactly what you see."),
        epilog=_("examples:") + "\n  graphgrad serve\n  graphgrad serve --port 8800 "
               "--no-browser\n  graphgrad serve --lang ja\n  " +
               _("then open e.g. http://127.0.0.1:8700/?expr=sigmoid(x*w%2Bb)&x=1&w=2&b=-1"
                 "&labels=both"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=None, metavar="P",
                   help=_("the port (default 8700, or a free one when it is taken; 0: any "
                          "free port)"))
    p.add_argument("--no-browser", action="store_true",
                   help=_("do not open a browser; just print the address"))
    return p


def run(args):
    from viz.play.server import PORT, bind, serve
    if args.port is not None and not 0 <= args.port <= MAX_PORT:
        raise CommandError(_("--port must be between 0 and {most}, got {value}").format(
            most=MAX_PORT, value=args.port))
    try:
        sock = bind(PORT if args.port is None else args.port)
    except OSError as e:
        if args.port is not None:
            raise CommandError(_("cannot listen on 127.0.0.1:{port}: {reason} (--port 0 "
                                 "takes any free port)").format(port=args.port,
                                                                 reason=e.strerror)) from None
        print(_("port {port} is taken: using another one").format(port=PORT))
        sock = bind(0)
    return serve(sock, open_browser=not args.no_browser, lang=current())
