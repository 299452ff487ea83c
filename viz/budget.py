"""The algebra's budget: the CPU seconds the symbolic work of one graph may spend.

sympy can take minutes on a graph it was never meant for (seven nested sigmoids: solve()
and simplify() on towers of exp).  viz.symbolic charges its making and every form asked
of it to one Budget; past it BudgetExceeded is raised, and viz.derivation goes on with
the numbers alone, saying so (in the drawing's caption, in the stepper's first frame).
No sympy here: the stepper and the derivation catch the exception without importing it.
"""
from __future__ import annotations

import time

__all__ = ["BUDGET", "Budget", "BudgetExceeded"]

# CPU seconds the algebra of one graph may spend (appendix A's, every form of the
# drawing and of the stepper, takes about 1 s); past it the caller shows numbers only
BUDGET = 5.0


class BudgetExceeded(RuntimeError):
    """The algebra of a graph went over its budget (viz.derivation then says so and
    shows the numbers alone)."""

    def __init__(self, seconds):
        super().__init__(f"the algebra took more than {seconds:g} s of CPU time")
        self.seconds = seconds


class Budget:
    """CPU seconds (time.process_time: another program's load does not count) that the
    algebra of one graph may spend, over its making and every form asked of it later.
    `with budget:` charges the block (nested blocks once); `check()` raises
    BudgetExceeded when it is spent.  seconds=None: no limit."""

    def __init__(self, seconds=BUDGET):
        self.seconds, self.spent, self._depth, self._start = seconds, 0.0, 0, 0.0

    def used(self):
        running = time.process_time() - self._start if self._depth else 0.0
        return self.spent + running

    def check(self):
        if self.seconds is not None and self.used() > self.seconds:
            raise BudgetExceeded(self.seconds)

    def __enter__(self):
        if self._depth == 0:
            self._start = time.process_time()
        self._depth += 1
        self.check()
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            self.spent += time.process_time() - self._start
