"""`python -m viz.cli ...`, the same as the `graphgrad` command."""
import sys

from viz.cli import main

sys.exit(main())
