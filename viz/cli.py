"""The `graphgrad` command: tour, draw, figure, train."""
import argparse
import os
import sys


def _tour(args):
    from viz.tour import run_tour
    return run_tour(args)


def _draw(args):
    from viz.commands import draw_command
    return draw_command(args)


def _figure(args):
    from viz.commands import figure_command
    return figure_command(args)


def _train(args):
    from viz.train import train_command
    return train_command(args)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="graphgrad", description="An autograd engine whose chain rule you can see.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tour", help="a short tour: the book's graphs, drawn and stepped")
    p.add_argument("-o", "--out", default="graphgrad-out", help="output folder")
    p.set_defaults(func=_tour)

    from viz import commands  # the draw/figure options live next to their code
    commands.add_draw_parser(sub).set_defaults(func=_draw)
    commands.add_figure_parser(sub).set_defaults(func=_figure)

    from viz import train
    train.add_train_parser(sub).set_defaults(func=_train)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except BrokenPipeError:  # `graphgrad draw ... | head`: the reader left, not an error
        try:
            sys.stdout = open(os.devnull, "w")  # silences the flush at exit
        except OSError:
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main())
