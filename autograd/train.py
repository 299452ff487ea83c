"""`graphgrad train` (placeholder; filled in by the learning work)."""


def add_train_parser(sub):
    return sub.add_parser("train", help="train a network on MNIST or a built-in dataset")


def train_command(args):
    raise SystemExit("graphgrad train: not available yet")
