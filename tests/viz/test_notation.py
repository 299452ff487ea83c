"""viz.notation: sympy expressions in the book's notation, one line of text."""
import pytest

sp = pytest.importorskip("sympy")

from viz.notation import to_text  # noqa: E402


def test_to_text_is_the_books_notation():
    y, g = sp.symbols("y g")
    assert to_text(-y ** 2) == "−y²"
    assert to_text(y * (1 - y)) == "y·(1 − y)"
    assert to_text(sp.exp(-y)) == "exp(−y)"
    assert to_text(1 / (y + g)) == "1/(g + y)" and to_text(1 / (2 * y)) == "1/(2·y)"
    assert to_text(y ** -2) == "1/y²"


def test_book_notation_of_the_drawings():
    x, y, S, t1, t2, t3, a1, y1 = sp.symbols("x y S t1 t2 t3 a1 y1", real=True)
    d = sp.Symbol("∂L/∂y", real=True)

    def book(e):
        return to_text(e, lead=[d], book=True, leaves={x, t1, t2, t3, a1},
                       exp_atoms={sp.exp(a1)})
    assert book(1 + sp.exp(-x)) == "1 + exp(−x)"  # the book's order: the number first
    assert book(-d * y ** 2) == "−∂L/∂y·y²"
    assert book(d * y * (1 - y)) == "∂L/∂y·y(1 − y)"
    assert book(-t1 * S) == "−t1·S"  # the label before the named quantity
    assert book(-S * (t1 + t2 + t3)) == "−S(t1 + t2 + t3)"
    assert book(1 / S - t1 * sp.exp(-a1)) == "1/S − t1/exp(a1)"  # exp(a1) is a value
    assert book(sp.exp(-x)) == "exp(−x)"  # exp(x) is not: sigmoid keeps exp(−x)
    assert book(-t1 / (S * y1)) == "−t1/(S·y1)"
    assert book(sp.Float(0.123456789) * x) == "0.123457·x"


def test_relus_mask_reads_as_the_books_cases_and_max_in_lower_case():
    """sympy's notation must not leak into a learner's page (issue 20): Heaviside's H
    is written as equation 5.8 writes relu's derivative, Max as max."""
    x, y, w, b = sp.symbols("x y w b", real=True)
    d = sp.Symbol("∂L/∂f", real=True)
    assert to_text(sp.Heaviside(y - 1, 0)) == "{1 (y > 1), 0 (y ≤ 1)}"
    assert to_text(sp.Heaviside(x, 0)) == "{1 (x > 0), 0 (x ≤ 0)}"
    assert to_text(sp.Heaviside(1 - y, 0)) == "{1 (y < 1), 0 (y ≥ 1)}"
    assert to_text(d * sp.Heaviside(w * x + b, 0), lead=[d], book=True) == \
        "∂L/∂f·{1 (b + w·x > 0), 0 (b + w·x ≤ 0)}"
    assert to_text(sp.Max(y - 1, 0)) == "max(0, y − 1)"
    assert to_text(sp.Min(y, 2), book=True) == "min(2, y)"
    for e in (sp.Heaviside(y - 1, 0), sp.Max(0, y - 1), d * sp.Heaviside(x, 0)):
        assert "H(" not in to_text(e, book=True) and "Max" not in to_text(e, book=True)
