"""viz.budget: the CPU seconds the algebra of one graph may spend."""
import time

import pytest

from viz.budget import Budget, BudgetExceeded


def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_budget_charges_its_blocks_once_however_nested():
    b = Budget(10.0)
    with b:
        with b:  # a charged method calling another: counted once
            _spin(0.05)
    assert 0.05 <= b.spent < 1.0
    spent = b.spent
    _spin(0.05)  # outside any block: not the algebra's
    assert b.spent == spent and b.used() == spent


def test_a_spent_budget_raises_at_the_next_block_or_check():
    b = Budget(0.02)
    with pytest.raises(BudgetExceeded, match="more than 0.02 s"):
        with b:
            _spin(0.05)
            b.check()  # inside a block: the running block counts
    with pytest.raises(BudgetExceeded) as e:
        with b:
            pass
    assert e.value.seconds == 0.02


def test_no_limit():
    b = Budget(None)
    with b:
        _spin(0.01)
        b.check()
    assert b.spent > 0
