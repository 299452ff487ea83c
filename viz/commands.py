"""`graphgrad draw` and `graphgrad figure` (placeholder parsers; filled in by the
rendering work)."""


def add_draw_parser(sub):
    return sub.add_parser("draw", help="draw an expression's graph")


def add_figure_parser(sub):
    return sub.add_parser("figure", help="regenerate the book's figures")


def draw_command(args):
    raise SystemExit("graphgrad draw: not available yet")


def figure_command(args):
    raise SystemExit("graphgrad figure: not available yet")
