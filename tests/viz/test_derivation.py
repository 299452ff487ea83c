"""viz.derivation: one derivation per graph, read by the drawing, the stepper and the
player: its view, its symbolic twin (made once, and only when wanted), the one-hot
relation, the branch and box sums, and the drawing's symbolic labels."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd import Tensor, Value
from autograd.examples import appendix_a, book_sigmoid
from viz.derivation import Derivation, build, derive
from viz.dot import to_digraph
from viz.stepper import frames

ROOT = Path(__file__).resolve().parents[2]
needs_sympy = pytest.mark.skipif(importlib.util.find_spec("sympy") is None,
                                 reason="symbolic labels need sympy")


# ----------------------------------------------------------------------------- built once

def test_frames_of_a_derivation_are_the_frames_of_its_root():
    pytest.importorskip("sympy")
    for make, options in ((lambda: appendix_a(labels="constants"), {}),
                          (book_sigmoid, {"collapse": "sigmoid"}),
                          (book_sigmoid, {"symbolic": False})):
        d = derive(make(), grads=True, **options)
        mine = [(f.title, f.caption, f.text, f.html, f.edge_states) for f in frames(d)]
        theirs = [(f.title, f.caption, f.text, f.html, f.edge_states)
                  for f in frames(make(), **options)]
        assert mine == theirs
        assert frames(d)[0].view is d.view  # the frames draw the derivation's view


def test_a_derivation_keeps_its_options():
    d = derive(book_sigmoid(), grads=True)
    with pytest.raises(TypeError, match="collapse"):
        frames(d, collapse="sigmoid")
    with pytest.raises(TypeError, match="lang"):
        frames(d, lang="ja")
    assert len(frames(d, lang="en", rankdir="TB")) == 6  # drawing options are the frames'
    x = Value(2.0, name="x")
    with pytest.raises(ValueError, match="grads=True"):
        frames(derive(x * x))  # no backward() yet: 'auto' finds no gradient


def test_the_symbolic_twin_is_made_once_and_only_when_read(monkeypatch):
    sympy_module = pytest.importorskip("viz.symbolic")
    made = []
    real = sympy_module.SymbolicGraph.__init__

    def count(self, *args, **kwargs):
        made.append(args[0])
        real(self, *args, **kwargs)

    monkeypatch.setattr(sympy_module.SymbolicGraph, "__init__", count)
    loss = appendix_a(labels="constants")
    d = derive(loss, grads=True)
    assert made == []  # numbers alone: no algebra yet
    assert "digraph" in to_digraph(d.view).source
    assert made == []
    frames(d)
    assert made == [loss]  # the narration asked for it
    frames(d)
    both = derive(loss, labels="both")
    assert "t1 + t2 + t3" in to_digraph(both.view).source
    frames(both)
    assert made == [loss, loss]  # one for each derivation, shared by its readers


def test_numbers_alone_never_import_sympy():
    code = ("import sys; from autograd.examples import appendix_a; "
            "from viz.derivation import derive; from viz.dot import to_digraph; "
            "from viz.stepper import frames; "
            "d = derive(appendix_a(labels='constants'), symbolic=False); "
            "to_digraph(d.view).source; fs = frames(d); fs[3].html; "
            "print('sympy' in sys.modules, len(fs))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out[0] == "False" and int(out[1]) > 2  # the frames, written without it


def test_the_one_hot_relation_is_found_once_opened_or_shut():
    for options in ({}, {"collapse": "cross_entropy_error"}, {"depth": 1},
                    {"collapse": "all"}):
        d = derive(appendix_a(labels="constants"), **options)
        assert [[t.name for t in labels] for labels in d.one_hot] == [["t1", "t2", "t3"]]
    # numbers, not one-hot, or unnamed: no relation
    assert derive(appendix_a(labels="constants", t=(0.0, 0.5, 0.5))).one_hot == []
    assert derive(appendix_a()).one_hot == []


def test_a_composites_declared_result_is_the_derivations():
    """Batch Normalization declares the closed form its backward pass ends in (the
    algebra, left out of a graph this size, gives none): the derivation holds it where
    the composite is stepped opened, in the reader's language; shut in a box, or where
    no composite declares one, there is none."""
    from autograd import functions as F
    from autograd.examples import batch_norm_example
    declared = F.BATCH_NORM_STEPS[-1]["result"]
    d = derive(batch_norm_example(), grads=True, symbolic=False)
    assert d.declared_result == declared
    assert frames(d)[-1].title == f"Result: {declared}"  # the narration states it
    ja = derive(batch_norm_example(), grads=True, symbolic=False, lang="ja")
    assert ja.declared_result == ja._(declared) and frames(ja)[-1].title == \
        f"結果: {ja._(declared)}"
    assert derive(batch_norm_example(), collapse="batch_norm").declared_result is None
    assert derive(appendix_a(labels="constants")).declared_result is None
    assert derive(book_sigmoid()).declared_result is None


def test_the_sums_inside_a_collapsed_composite_are_the_derivations():
    pytest.importorskip("sympy")
    d = derive(book_sigmoid(), collapse="sigmoid", grads=True)
    (vn,) = [vn for vn in d.view.nodes if vn.kind == "composite"]
    box = d.box(vn.id)
    (up,), (out,) = box.ups, box.outs
    assert box.single and box.local == pytest.approx(out.grad_data / up.grad_data)
    assert out.grad_data == pytest.approx(d.root.data * (1 - d.root.data))
    assert box.out_texts == ["dout·y(1 − y)"] and box.local_text == "y(1 − y)"
    # the drawing's label on that edge is the same sum, in the book's notation
    both = derive(book_sigmoid(), collapse="sigmoid", labels="symbols", upstream="∂L/∂y")
    edge = next(e for e in both.view.edges if e.dst == vn.id)
    assert both.edge_expr(edge) == both.symbolic.gradient(edge.node)
    assert edge.grad_sym == ("∂L/∂y·y(1 − y)",)


def test_the_branch_sums_are_the_engines():
    pytest.importorskip("sympy")
    loss = appendix_a(labels="constants")
    d = derive(loss, grads=True)
    (r,) = [n for n in d.step_of if n.op is not None and n.op.name == "reciprocal"]
    b = d.branch_sum(r)
    assert [p[0] for p in b.parts] == ["y1", "y2", "y3"]
    assert b.total == sum(p[1] for p in b.parts)
    assert b.text == "−t1·S − t2·S − t3·S = −S(t1 + t2 + t3) = −S"
    assert d.branch_sum(r) is b  # made once


def test_the_command_line_builds_the_derivation_once(monkeypatch, tmp_path):
    import viz.model
    from viz.cli import main
    calls = []
    real = viz.model.build

    def count(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(viz.model, "build", count)
    monkeypatch.setattr("viz.derivation.build_view", count)
    out = tmp_path / "s.html"
    assert main(["draw", "sigmoid(w*x + b)", "--at", "w=2", "x=1", "b=-1", "--steps",
                 str(out), "-o", str(tmp_path / "g.dot")]) == 0
    assert len(calls) == 1 and out.exists()


def test_a_derivation_is_a_derivation():
    d = derive(Tensor([1.0, 2.0], requires_grad=True).sum(), grads=True)
    assert isinstance(d, Derivation) and d.symbolic is None  # arrays: numbers only
    assert np.all(d.view.edges[0].grad_data == 1.0)
    assert build(book_sigmoid()).labels == "numbers"


# ----------------------------------------------------------------------------- labels



def _agree(view):
    """Every drawn expression, evaluated at the graph's point, is the engine's number
    on that edge (a relation used, t1 + t2 + t3 = 1, holds there too)."""
    values = view.symbol_values()
    checked = 0
    for e in view.edges + view.forks:
        if e.value_expr is not None:
            assert float(e.value_expr.subs(values)) == pytest.approx(
                np.asarray(e.value_data).flat[0], rel=1e-9, abs=1e-12), (e.key, e.value_sym)
            checked += 1
        for form, text in zip(e.grad_exprs, e.grad_sym or ()):
            assert float(form.subs(values)) == pytest.approx(
                e.grad_data, rel=1e-9, abs=1e-12), (e.key, text)
            checked += 1
    return checked


@needs_sympy
def test_symbolic_labels_equal_the_numbers_at_the_point():
    from autograd.examples import book_sigmoid
    for view in (build(appendix_a(labels="constants"), labels="symbols"),
                 build(appendix_a(labels="variables"), labels="both", depth=1),
                 build(book_sigmoid(), labels="symbols", upstream="∂L/∂y"),
                 build(book_sigmoid(0.3), labels="symbols", upstream="∂L/∂y", seed=2.5),
                 build(book_sigmoid(), labels="symbols", collapse="sigmoid")):
        assert _agree(view) >= len(view.edges)


@needs_sympy
def test_symbolic_labels_of_random_small_graphs_equal_the_numbers():
    rng = np.random.default_rng(3)
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
           lambda a, b: a / b, lambda a, b: (a * b).tanh(), lambda a, b: a.sigmoid() * b,
           lambda a, b: (a + b).relu(), lambda a, b: a ** 2 + b,
           lambda a, b: (a * a).exp() * 0.1 - b, lambda a, b: (a * a + 1).log() + 2 * b]
    for _ in range(12):
        nodes = [Value(float(v), name=f"x{i}")
                 for i, v in enumerate(rng.uniform(0.5, 2, 3))]
        for k in range(4):
            i, j = rng.choice(len(nodes), 2, replace=False)
            n = ops[rng.integers(len(ops))](nodes[i], nodes[j])
            if rng.random() < 0.4:
                n.name = f"h{k}"
            nodes.append(n)
        nodes[-1].backward()
        _agree(build(nodes[-1], labels="symbols"))


@needs_sympy
def test_symbols_of_appendix_a_are_the_books():
    view = build(appendix_a(labels="constants"), labels="symbols")
    sym = {(view.node(e.src).label, e.value_sym): e.grad_sym for e in view.edges}
    assert sym[("a1", "a1")] == ("y1 − t1",)
    assert sym[("exp", "exp(a1)")] in (("1/S",), ("−t1/exp(a1)",))
    assert sym[("+", "S")] == ("(t1 + t2 + t3)/S", "1/S")  # the one-hot relation, here
    assert sym[("×", "y1")] == ("−t1/y1",) and sym[("log", "log(y1)")] == ("−t1",)
    trunks = {f.value_sym: f.grad_sym for f in view.forks}
    assert trunks == {"exp(a1)": ("1/S − t1/exp(a1)",), "exp(a2)": ("1/S − t2/exp(a2)",),
                      "exp(a3)": ("1/S − t3/exp(a3)",), "1/S": ("−S(t1 + t2 + t3)",)}
    branches = [e.grad_sym for e in view.edges if e.value_sym == "1/S"]
    assert branches == [("−t1·S",), ("−t2·S",), ("−t3·S",)]
    assert view.notes == ["t1 + t2 + t3 = 1 (one-hot labels): used at "
                          "(t1 + t2 + t3)/S = 1/S"]
    # without the relation the gradient keeps its (t1 + t2 + t3)
    plain = build(appendix_a(labels="constants"), labels="symbols", given=False)
    assert not plain.notes
    assert [e.grad_sym for e in plain.edges if e.value_sym == "a1"] == [
        ("y1(t1 + t2 + t3) − t1",)]


@needs_sympy
def test_symbols_of_figure_5_20():
    from autograd.examples import book_sigmoid
    view = build(book_sigmoid(), labels="symbols", upstream="∂L/∂y")
    got = [(e.value_sym, e.grad_sym) for e in view.edges if e.kind != "constant"]
    assert got == [("x", ("∂L/∂y·y²·exp(−x)", "∂L/∂y·y(1 − y)")),
                   ("−x", ("−∂L/∂y·y²·exp(−x)",)), ("exp(−x)", ("−∂L/∂y·y²",)),
                   ("1 + exp(−x)", ("−∂L/∂y·y²",)), ("y", ("∂L/∂y",))]
    shut = build(book_sigmoid(), labels="symbols", upstream="∂L/∂y", collapse="sigmoid")
    assert [e.grad_sym for e in shut.edges] == [("∂L/∂y·y(1 − y)",), ("∂L/∂y",)]


@needs_sympy
def test_labels_are_checked():
    x = Value(1.0, name="x")
    with pytest.raises(ValueError, match="'numbers', 'symbols' or 'both'"):
        build(x * 2, labels="symbol")
    with pytest.raises(ValueError, match="upstream"):
        build(x * 2, labels="symbols", upstream="")
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="Tensors"):
        build((t * t).sum(), labels="symbols")
    a, b = Value(1.0, name="a"), Value(2.0, name="a")
    with pytest.raises(ValueError, match="'a'"):
        build(a * b, labels="symbols")
    deep = x
    for _ in range(200):
        deep = deep * 1.0001
    with pytest.raises(ValueError, match="at most"):
        build(deep, labels="symbols")
    assert build(deep).labels == "numbers"  # numbers draw any graph




# ----------------------------------------------------------------------------- the budget

class _Budget:
    """A viz.budget.Budget that is spent after `checks` checks: where the algebra runs
    out is then the test's choice, not the machine's speed."""

    def __new__(cls, checks):
        from viz.budget import Budget, BudgetExceeded

        class Counted(Budget):
            def check(self):
                self.checks -= 1
                if self.checks < 0:
                    raise BudgetExceeded(1.5)

        b = Counted(None)
        b.checks = checks
        return b


@needs_sympy
@pytest.mark.parametrize("checks", [0, 40])  # spent making the twin, or in the narration
def test_over_its_budget_the_algebra_is_left_out_and_said(checks):
    loss = appendix_a(labels="constants")
    plain = frames(appendix_a(labels="constants"), symbolic=False)
    d = derive(loss, grads=True, symbolic={"budget": _Budget(checks)})
    fs = frames(d)
    assert d.symbolic is None and d.left_out == ("budget", 1.5)
    assert "The algebra is left out: it took more than 1.5 s" in fs[0].text
    assert [f.rows for f in fs] == [f.rows for f in plain]  # the engine's numbers, all
    assert [f.title for f in fs[1:]] == [f.title for f in plain[1:]]
    ja = frames(derive(appendix_a(labels="constants"), grads=True, lang="ja",
                       symbolic={"budget": _Budget(0)}))
    assert "式の変形は省きました" in ja[0].text


@needs_sympy
def test_over_its_budget_a_drawing_keeps_its_numbers_and_says_so():
    d = derive(appendix_a(labels="constants"), labels="symbols",
               symbolic={"budget": _Budget(3)})
    assert d.left_out == ("budget", 1.5) and d.view.symbolic is None
    assert all(e.value_sym is None and e.grad_sym is None for e in d.view.edges)
    src = to_digraph(d.view).source
    assert "The symbols are left out: the algebra took more than 1.5 s" in src
    numbers = to_digraph(derive(appendix_a(labels="constants")).view, forks=True).source
    said = [line for line in src.splitlines() if "left out" in line]
    assert len(said) == 1 and src.replace(said[0] + "\n", "") == numbers  # else the same


@needs_sympy
def test_seven_nested_sigmoids_finish_and_say_why_there_is_no_algebra(tmp_path):
    """Issue 19: this command spent 472 s in sympy.solve.  Each sigmoid names its output
    y: one symbol for seven nodes would be wrong, so the algebra is left out, and said."""
    expr = "a*b"
    for _ in range(7):
        expr = f"sigmoid({expr})"
    out = tmp_path / "s.html"
    done = subprocess.run([sys.executable, "-m", "viz.cli", "draw", expr, "--at", "a=0.5",
                           "b=0.3", "--steps", str(out), "-o", str(tmp_path / "g.dot")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "The algebra is left out: different nodes are named y." in out.read_text()


@needs_sympy
def test_a_tower_of_exp_is_solved_only_where_the_answer_has_no_log():
    """The twin trades exp(−x) for 1/y − 1 (y = 1/(1 + exp(−x))); an exp inside another
    exp would come out only through a log, so solve() is not asked (it took minutes)."""
    import sympy

    from viz.symbolic import symbolic
    a, b = Value(0.5, name="a"), Value(0.3, name="b")
    y = a * b
    for k in range(1, 8):
        y = y.sigmoid()
        y.name = f"y{k}"
    sg = symbolic(y, budget=None)
    for atom, solution in sg._reverse.items():
        assert atom.func is sympy.exp and not solution.has(sympy.log)
    assert len(sg._reverse) == 7  # each y_k = 1/(1 + exp(−y_{k−1})): one each
    assert sg.budget.spent < 30  # seconds of CPU; minutes before
