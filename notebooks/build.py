#!/usr/bin/env python
"""Write the notebooks from the cells below, and (with --execute) run them and keep the outputs.

    python notebooks/build.py                  # write every .ipynb, without outputs
    python notebooks/build.py --execute        # write, run top to bottom, store the outputs
    python notebooks/build.py --execute 03 07  # only the notebooks whose name contains 03 or 07
    python notebooks/build.py --check          # are the .ipynb files in step with this script?

Edit the cells here, never the .ipynb files: they are regenerated.  Each notebook is a
function returning a list of cells, `md(...)` for narrative and `code(...)` for code, in the
order of the book (chapter 5, appendix A) and then the worked examples.

The stored notebooks carry their outputs so they read well on GitHub, but stay small: graphs
are SVG, plots small PNGs, widget state is not stored and timings are dropped.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOKS = {}  # name -> function returning the cells, in the order they are defined
MAX_NOTEBOOK_BYTES = 800_000
MAX_FOLDER_BYTES = 2_000_000


def notebook(name):
    def register(fn):
        NOTEBOOKS[name] = fn
        return fn
    return register


def md(text):
    return new_markdown_cell(dedent(text).strip("\n"))


def code(text):
    return new_code_cell(dedent(text).strip("\n"))


# Every notebook starts here: import this checkout's package (never a same-named one from
# PyPI), and draw graphs as SVG and plots as small PNGs.
SETUP = code("""
    %matplotlib inline
    import sys
    from pathlib import Path

    ROOT = Path.cwd().resolve().parent  # the repository, when run from notebooks/
    if (ROOT / "autograd" / "graph.py").exists() and str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import numpy as np
    import autograd
    import viz
    from autograd import Value, Tensor, grad

    np.set_printoptions(precision=8, suppress=True)
    assert hasattr(autograd, "Value"), f"{autograd.__file__} is not graphgrad's engine"
""")


# ============================================================================ notebooks
# (cells follow; each notebook is one function)


@notebook("01_computational_graph")
def computational_graph():
    return [
        md("""
            # 1. Computational graphs (計算グラフ): the shopping examples (sections 5.1–5.4)

            Chapter 5 of *Deep Learning from Scratch* (『ゼロから作るDeep Learning』) explains
            backpropagation (誤差逆伝播法) with pictures before any formula: a computation is a
            graph of nodes, each doing one small local computation (局所的な計算); numbers
            flow left to right in the forward pass (順伝播), and derivatives flow right to
            left in the backward pass (逆伝播).

            graphgrad records exactly such a graph whenever you compute with its `Value`s,
            and `viz.draw` draws it as the book does: the value of each edge above the line
            and, after `backward()`, its derivative below it in red.
        """),
        SETUP,
        md("""
            ## Problem 1: two apples (figures 5-2 and 5-14)

            *Taro buys 2 apples at 100 yen each; the consumption tax is 10%.  How much does
            he pay?*
            (太郎くんはスーパーで1個100円のリンゴを2個買いました。支払う金額を求めなさい。
            ただし、消費税が10%適用されるものとします。)

            Each quantity is a `Value`; every `*` adds a multiplication node (乗算ノード) to
            the graph.  Naming the values makes the drawing read like the book's figure.
        """),
        code("""
            apple = Value(100, name="apple")
            apple_num = Value(2, name="apple_num")
            tax = Value(1.1, name="tax")

            apple_price = apple * apple_num
            price = apple_price * tax
            apple_price.name, price.name = "apple_price", "price"

            print(f"price: {price.data:g}")
            viz.draw(price)
        """),
        md("""
            The forward pass (順伝播) is just the arithmetic: 100 × 2 = 200, 200 × 1.1 = 220
            (the float is 220.00000000000003, as in the book's code; we print it with `:g`).

            ## The backward pass: how much does the price move?

            The graph is useful because it also answers the *reverse* question: if the apple
            price rises a little, how much does the total rise?  That is the derivative
            ∂price/∂apple.  `backward()` walks the graph from `price` to the inputs; each node
            multiplies the derivative arriving from the right by its own local derivative
            (局所的な微分) and passes the product on.  A multiplication node's local derivative
            with respect to one input is the *other* input.
        """),
        code("""
            price.backward()
            print("d price / d apple     =", apple.grad)
            print("d price / d apple_num =", apple_num.grad)
            print("d price / d tax       =", tax.grad)
            viz.draw(price)
        """),
        md("""
            Figure 5-14: ∂price/∂apple = **2.2**, ∂price/∂apple_num = **110**,
            ∂price/∂tax = **200**.  Read it off the graph: the 1 entering from the right
            is multiplied by tax (1.1) on its way to `apple_price`, then by `apple_num` (2)
            on its way to `apple`: 1 × 1.1 × 2 = 2.2.  If apples cost 1 yen more, Taro pays
            2.2 yen more.

            ## Problem 2: apples and oranges (figures 5-15 and 5-17)

            *Taro buys 2 apples at 100 yen and 3 oranges at 150 yen; the tax is 10%.*  An
            addition node (加算ノード) joins the two subtotals.  Its local derivative is 1 for
            both inputs, so it passes the derivative from the right unchanged to both.
        """),
        code("""
            apple, apple_num = Value(100, name="apple"), Value(2, name="apple_num")
            orange, orange_num = Value(150, name="orange"), Value(3, name="orange_num")
            tax = Value(1.1, name="tax")

            apple_price = apple * apple_num
            orange_price = orange * orange_num
            all_price = apple_price + orange_price
            price = all_price * tax
            for v, n in [(apple_price, "apple_price"), (orange_price, "orange_price"),
                         (all_price, "all_price"), (price, "price")]:
                v.name = n

            price.backward()
            print(f"price: {price.data:g}")
            for v in (apple, apple_num, orange, orange_num, tax):
                print(f"d price / d {v.name:10s} = {v.grad:g}")
            viz.draw(price)
        """),
        md("""
            The book's answers: 715; ∂/∂apple 2.2, ∂/∂apple_num 110, ∂/∂orange 3.3,
            ∂/∂orange_num 165, ∂/∂tax 650.  The 1.1 arriving at the addition node goes on,
            unchanged, to both subtotals.

            ## The same with layers (section 5.4): `MulLayer` and `AddLayer`

            The book then implements each node as a *layer* (レイヤ) with `forward` and
            `backward` methods, and wires them by hand: forward in order, backward in
            reverse order.  `autograd.layers` has the book's classes with the book's
            interface (plain numbers in, plain numbers out); inside, each layer records its
            node on the engine and walks it back.  This is the book's `buy_apple.py`:
        """),
        code("""
            from autograd.layers import AddLayer, MulLayer

            apple, apple_num, tax = 100, 2, 1.1

            mul_apple_layer = MulLayer()
            mul_tax_layer = MulLayer()

            # forward
            apple_price = mul_apple_layer.forward(apple, apple_num)
            price = mul_tax_layer.forward(apple_price, tax)

            # backward
            dprice = 1
            dapple_price, dtax = mul_tax_layer.backward(dprice)
            dapple, dapple_num = mul_apple_layer.backward(dapple_price)

            print(f"price: {price:g}")
            print(f"dApple: {dapple:g}")
            print(f"dApple_num: {dapple_num:g}")
            print(f"dTax: {dtax:g}")
        """),
        md("""
            The book prints `price: 220`, `dApple: 2.2`, `dApple_num: 110`, `dTax: 200`.
            And `buy_apple_orange.py`, with an `AddLayer`:
        """),
        code("""
            apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1

            mul_apple_layer = MulLayer()
            mul_orange_layer = MulLayer()
            add_apple_orange_layer = AddLayer()
            mul_tax_layer = MulLayer()

            # forward
            apple_price = mul_apple_layer.forward(apple, apple_num)
            orange_price = mul_orange_layer.forward(orange, orange_num)
            all_price = add_apple_orange_layer.forward(apple_price, orange_price)
            price = mul_tax_layer.forward(all_price, tax)

            # backward
            dprice = 1
            dall_price, dtax = mul_tax_layer.backward(dprice)
            dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
            dorange, dorange_num = mul_orange_layer.backward(dorange_price)
            dapple, dapple_num = mul_apple_layer.backward(dapple_price)

            print(f"{price:g}")  # 715
            print(f"{dapple_num:g} {dapple:g} {dorange:g} {dorange_num:g} {dtax:g}")
            assert np.allclose([price, dapple_num, dapple, dorange, dorange_num, dtax],
                               [715, 110, 2.2, 3.3, 165, 650])
        """),
        md("""
            The book's output: 715, then 110 2.2 3.3 165 650.  (Printed raw, some of these
            carry tiny float errors such as 110.00000000000001, in the book's code too: 1.1
            has no exact binary representation.  `:g` rounds them for reading.)

            Each layer keeps the node it recorded in `.graph`.  The tax layer, drawn on its
            own with the derivative of its output set to 1, is the last node of figure 5-17:
            a multiplication node sends back the upstream derivative times the *other*
            input.
        """),
        code("""
            viz.draw(mul_tax_layer.graph, grads=True)
        """),
    ]


@notebook("02_chain_rule_and_nodes")
def chain_rule():
    return [
        md("""
            # 2. The chain rule (連鎖律) and the backward pass of add and mul nodes (5.2–5.3)

            Why does multiplying local derivatives from right to left give the derivative of
            the whole computation?  Because of the chain rule (連鎖律): the derivative of a
            composite function (合成関数) is the product of the derivatives of its parts.
            This notebook takes the book's example $z = (x + y)^2$, then the two simplest
            nodes, addition and multiplication, with the book's numbers.
        """),
        SETUP,
        md("""
            ## z = (x + y)²  (figures 5-7 and 5-8)

            Write it as two functions, $z = t^2$ and $t = x + y$.  Then

            $$\\frac{\\partial z}{\\partial x}
              = \\frac{\\partial z}{\\partial t}\\frac{\\partial t}{\\partial x}
              = 2t \\cdot 1 = 2(x + y).$$

            In the graph, the `**2` node's local derivative is $2t$ and the `+` node's is 1.
            With $x = 1$, $y = 2$: $t = 3$, $z = 9$, and $\\partial z/\\partial x =
            \\partial z/\\partial y = 6$.
        """),
        code("""
            x, y = Value(1.0, name="x"), Value(2.0, name="y")
            t = x + y
            z = t ** 2
            t.name, z.name = "t", "z"
            z.backward()
            print("dz/dx =", x.grad, "  2(x + y) =", 2 * (x.data + y.data))
            print("dz/dy =", y.grad)
            viz.draw(z)
        """),
        md("""
            The backward pass is a sequence of steps, one per node, from the output back to
            the inputs.  `autograd.backward_steps(z)` lists them: at each node, the
            derivative that arrived from the right (upstream), times the node's local
            derivative, gives what is sent to each input.  This is the only place where the
            engine applies the chain rule, and it is what `backward()` does.
        """),
        code("""
            def show_steps(root):
                \"\"\"Each backward step as upstream × local derivative = sent.\"\"\"
                for s in autograd.backward_steps(root):
                    if s.op is None:
                        print(f"step {s.index}: {s.node.name or 'constant'} receives "
                              f"{s.upstream:g}")
                        continue
                    local = ", ".join(f"{v:g}" for v in s.local)
                    sent = ", ".join(f"{v:g}" for v in s.grads)
                    print(f"step {s.index}: {s.node.name or '':>1} ({s.op.name}): "
                          f"upstream {s.upstream:g} × local ({local}) = ({sent})   "
                          f"[{s.formula}]")


            show_steps(z)
        """),
        md("""
            ## The addition node (加算ノード, section 5.3.1): 10 + 5 = 15, upstream 1.3

            $z = x + y$ has $\\partial z/\\partial x = \\partial z/\\partial y = 1$: the
            addition node passes the upstream derivative on unchanged to both inputs.  The
            book's example starts the backward pass with 1.3 instead of 1, as if the node
            sat inside a larger graph: `backward(1.3)` seeds it.
        """),
        code("""
            x, y = Value(10, name="x"), Value(5, name="y")
            z = x + y
            z.name = "z"
            z.backward(1.3)
            print(x.grad, y.grad)
            viz.draw(z)
        """),
        md("""
            ## The multiplication node (乗算ノード, section 5.3.2): 10 × 5 = 50, upstream 1.3

            $z = xy$ has $\\partial z/\\partial x = y$ and $\\partial z/\\partial y = x$: the
            multiplication node sends the upstream derivative times the *other* input (the
            book says it "swaps" the inputs, ひっくり返した値).  So $x$ gets 1.3 × 5 = 6.5 and
            $y$ gets 1.3 × 10 = 13.
        """),
        code("""
            x, y = Value(10, name="x"), Value(5, name="y")
            z = x * y
            z.name = "z"
            z.backward(1.3)
            print(x.grad, y.grad)
            viz.draw(z)
        """),
        md("""
            That is why a layer of multiplications must remember its inputs from the forward
            pass: the backward pass needs them.  An addition node needs nothing.

            ## Every local derivative the engine knows

            Everything in graphgrad (sigmoid, softmax, cross entropy, the layers, the
            networks) is composed of a handful of primitive nodes.  Each states its local
            derivative next to its forward computation; this table is read from the engine
            itself (`autograd.PRIMITIVES`).
        """),
        code("""
            from IPython.display import Markdown

            rows = ["| primitive | drawn as | local derivative |", "|---|---|---|"]
            for name, prim in autograd.PRIMITIVES.items():
                rows.append(f"| `{name}` | {prim.label} | {prim.formula} |")
            Markdown("\\n".join(rows))
        """),
    ]


@notebook("03_relu_sigmoid")
def relu_sigmoid():
    return [
        md("""
            # 3. Activation function layers (活性化関数): ReLU and Sigmoid (section 5.5)

            ReLU's backward pass is a switch; the sigmoid's is a small derivation that the
            book draws in four steps (figure 5-20) and then folds into one node whose local
            derivative is $y(1 - y)$.  graphgrad records the sigmoid as exactly the book's
            four nodes, so we can walk those steps on the engine's own graph, with numbers
            and with symbols, and then fold the graph.
        """),
        SETUP,
        md("""
            ## ReLU (figure 5-18)

            $y = x$ for $x > 0$, else 0; so $\\partial y/\\partial x$ is 1 for $x > 0$ and
            0 otherwise.  In the backward pass ReLU lets the upstream derivative through
            where the input was positive and blocks it elsewhere.  The book's `Relu` layer
            keeps a boolean `mask` (True where $x \\le 0$) from the forward pass for that.
        """),
        code("""
            from autograd.layers import Relu

            x = np.array([[1.0, -0.5], [-2.0, 3.0]])
            relu = Relu()
            out = relu.forward(x)
            print("x =\\n", x)
            print("mask =\\n", relu.mask)
            dout = np.array([[5.0, 6.0], [7.0, 8.0]])
            dx = relu.backward(dout)
            print("dout =\\n", dout)
            print("dx =\\n", dx)
            assert np.array_equal(dx, np.where(relu.mask, 0.0, dout))
        """),
        md("""
            The book's mask is `[[False, True], [True, False]]`; `dout` passes where the
            mask is False.  (The book's `Relu.backward` writes zeros into `dout` itself; this
            one leaves the caller's `dout` untouched, as printed.)  On scalars: the
            gradient 1 passes the ReLU node of $x_1 = 3$ and stops at the node of
            $x_2 = -2$.
        """),
        code("""
            x1, x2 = Value(3.0, name="x1"), Value(-2.0, name="x2")
            y = x1.relu() + x2.relu()
            y.name = "y"
            y.backward()
            viz.draw(y)
        """),
        md("""
            ## Sigmoid: the forward graph (figure 5-19)

            $y = \\dfrac{1}{1 + \\exp(-x)}$ is four nodes: "×" by −1, "exp", "+" 1 and "/"
            (the reciprocal, $1/x$).  `Value.sigmoid()` records exactly these; the drawing
            frames them as one composite, labelled `sigmoid`.  We take $x = 1$, so
            $y = 0.7311$.
        """),
        code("""
            x = Value(1.0, name="x")
            y = x.sigmoid()
            y.name = "y"
            viz.draw(y)
        """),
        md("""
            ## The backward pass in four steps (figure 5-20)

            Let $\\partial L/\\partial y$ be the derivative arriving from the right.

            1. **"/" node**, $y = 1/x$: $\\partial y/\\partial x = -1/x^2 = -y^2$, so it sends
               $-\\frac{\\partial L}{\\partial y} y^2$.
            2. **"+" node**: passes it on unchanged.
            3. **"exp" node**, $y = \\exp(x)$: $\\partial y/\\partial x = \\exp(x)$, here
               $\\exp(-x)$, so it sends $-\\frac{\\partial L}{\\partial y} y^2 \\exp(-x)$.
            4. **"×" node** (by −1): multiplies by −1:
               $\\frac{\\partial L}{\\partial y} y^2 \\exp(-x)$.

            And $y^2 \\exp(-x) = \\frac{\\exp(-x)}{(1 + \\exp(-x))^2}
            = \\frac{1}{1 + \\exp(-x)} \\cdot \\frac{\\exp(-x)}{1 + \\exp(-x)} = y(1 - y)$.

            The engine's backward pass makes exactly these steps.  Step through them: the
            highlighted node is the current step, its outgoing gradient is orange, edges
            still waiting for their gradient are grey; under the graph, the numbers
            (starting from $\\partial L/\\partial y = 1$) and the same step in symbols.
            In Jupyter with ipywidgets this is a widget (buttons and a slider); elsewhere it
            is a small self-contained HTML player.
        """),
        code("""
            from viz.widgets import Stepper

            stepper = Stepper(y, symbolic=dict(seed="∂L/∂y"), height=560)
            stepper
        """),
        md("""
            The four steps as still pictures (a static page such as GitHub shows no
            player):
        """),
        code("""
            from IPython.display import display

            for frame in stepper.frames[1:-1]:
                display(frame)
        """),
        md("""
            The same steps as text, with numbers ($\\partial L/\\partial y = 1$):
        """),
        code("""
            BOOK_STEP = {"reciprocal": 1, "add": 2, "exp": 3, "mul": 4}
            for s in autograd.backward_steps(y):
                if s.op is None:
                    continue
                print(f"step {BOOK_STEP[s.op.name]} ({s.op.label:>3} node): upstream "
                      f"{s.upstream:.4f} × local {s.local[0]:.4f} = {s.grads[0]:.4f}   "
                      f"[{s.formula}]")
        """),
        md("""
            and with symbols: `viz.symbolic` rebuilds the same graph over sympy symbols and
            runs the same derivative rules on them, starting from the symbol
            $\\partial L/\\partial y$.  Each line reads: what arrives, times the local
            derivative, equals what is sent on (written in the node's own terms, then
            shorter with $y$):
        """),
        code("""
            from viz.symbolic import symbolic

            sg = symbolic(y, seed="∂L/∂y")
            for s in sg.steps:
                if s.op is None:
                    continue
                text = sg.show(s)
                print(f"step {BOOK_STEP[s.op.name]} ({s.op.label:>3} node): "
                      f"{text.upstream}  ×  {text.local[0]}  =  {text.sent[0]}")
            print()
            print("∂L/∂x =", sg.text(sg.simplified_gradient(x)))
        """),
        md("""
            ## Collapsed: the sigmoid node (figure 5-21)

            Since the four steps always multiply the upstream derivative by $y(1 - y)$, the
            whole group can be drawn as one "sigmoid" node with that local derivative, and
            computed from the output $y$ alone: the book's `Sigmoid` layer keeps `out` from
            the forward pass, and its backward is `dout * (1.0 - self.out) * self.out`.
            `collapse="sigmoid"` draws the composite as one box, with only its boundary
            values and gradients: $0.7311 \\times (1 - 0.7311) = 0.1966$.
        """),
        code("""
            y.backward()
            print("dy/dx =", x.grad, "  y(1 − y) =", y.data * (1 - y.data))
            viz.draw(y, collapse="sigmoid")
        """),
        md("""
            ## A numerical check (数値微分)

            The central difference $(f(x + h) - f(x - h)) / 2h$ needs no graph and no
            calculus, only two forward passes; it is slow for millions of parameters but a
            perfect referee (notebook 06 does it for a whole network: 勾配確認, gradient
            check).  The `Sigmoid` layer works on arrays, one element at a time:
        """),
        code("""
            from autograd.gradcheck import numerical_gradient
            from autograd.layers import Sigmoid

            xs = np.array([-4.0, -1.0, 0.0, 1.0, 4.0])
            layer = Sigmoid()
            out = layer.forward(xs)
            backprop = layer.backward(np.ones_like(xs))
            numeric = numerical_gradient(lambda v: np.sum(1 / (1 + np.exp(-v))), xs.copy())
            print("x                 ", xs)
            print("backprop          ", backprop)
            print("y(1 − y)          ", out * (1 - out))
            print("central difference", numeric)
            assert np.allclose(backprop, numeric, atol=1e-8)
        """),
    ]


@notebook("04_affine_softmax_with_loss")
def affine_softmax():
    return [
        md("""
            # 4. The Affine and Softmax-with-Loss layers (section 5.6)

            The forward pass of a neural network layer is a matrix product (行列の積) plus a
            bias, $Y = X \\cdot W + B$; the book calls it the *Affine* layer.  Its backward
            pass is the chain rule (連鎖律) for matrices, where the thing to watch is the
            *shape* (形状) of every array.  The output layer for classification is softmax
            followed by the cross-entropy error (交差エントロピー誤差) as the loss function
            (損失関数): its backward pass is simply $y - t$.
        """),
        SETUP,
        md("""
            ## The Affine layer, batch version (sections 5.6.1 and 5.6.2)

            A mini-batch of N = 2 samples with 2 features each, 3 output neurons.  The
            engine draws a matrix product as a `dot` node, and the bias's broadcast to every
            row as its own `bcast` node (NumPy does that silently in `X @ W + B`).
            `preview=False` shows only the shapes, like the book's figure; the backward
            pass starts from the book's ∂L/∂Y = [[1, 2, 3], [4, 5, 6]].
        """),
        code("""
            X = Tensor([[1.0, 0.5], [2.0, -1.0]], requires_grad=True, name="X")
            W = Tensor([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], requires_grad=True, name="W")
            B = Tensor([0.1, 0.2, 0.3], requires_grad=True, name="B")
            Y = X @ W + B
            Y.name = "Y"
            dY = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
            Y.backward(dY)
            viz.draw(Y, preview=False)
        """),
        md("""
            Each gradient has the shape of its variable: ∂L/∂X is (N, 2) like X, ∂L/∂W is
            (2, 3) like W, ∂L/∂B is (3,) like B.  The book derives

            $$\\frac{\\partial L}{\\partial X}
                = \\frac{\\partial L}{\\partial Y} \\cdot W^{\\mathsf T},
              \\qquad
              \\frac{\\partial L}{\\partial W}
                = X^{\\mathsf T} \\cdot \\frac{\\partial L}{\\partial Y},
              \\qquad
              \\frac{\\partial L}{\\partial B}
                = \\textstyle\\sum_{rows} \\frac{\\partial L}{\\partial Y}$$

            and the shapes leave only one way to write each product.  The engine's `dot`
            node states exactly the first two as its local derivative rule; the sum over
            rows is the backward pass of the `bcast` node (a value copied to N rows gets
            the sum of the N gradients, a branch in the graph).  The book's example gives
            ∂L/∂B = [5, 7, 9]:
        """),
        code("""
            print("dL/dX =\\n", X.grad, "\\n  dY · Wᵀ =\\n", dY @ W.data.T)
            print("dL/dW =\\n", W.grad, "\\n  Xᵀ · dY =\\n", X.data.T @ dY)
            print("dL/dB =", B.grad, "  np.sum(dY, axis=0) =", np.sum(dY, axis=0))
            assert np.allclose(X.grad, dY @ W.data.T) and np.allclose(W.grad, X.data.T @ dY)
        """),
        md("""
            The same values with every number on the edges (arrays of more than four
            numbers show their first element and "…"):
        """),
        code("""
            viz.draw(Y)
        """),
        md("""
            The book's `Affine` layer does this with the book's interface; the layer keeps
            `dW` and `db` for the optimizer and returns `dx`:
        """),
        code("""
            from autograd.layers import Affine

            affine = Affine(W.data.copy(), B.data.copy())
            out = affine.forward(X.data)
            dx = affine.backward(dY)
            for name, arr in [("x", X.data), ("out", out), ("dx", dx), ("dW", affine.dW),
                              ("db", affine.db)]:
                print(f"{name:3s} shape {arr.shape}")
            assert np.allclose(dx, X.grad) and np.allclose(affine.dW, W.grad)
        """),
        md("""
            ## Softmax-with-Loss (section 5.6.3)

            For classification the output layer is softmax, $y_k = \\exp(a_k) / \\sum_i
            \\exp(a_i)$, and the loss is the cross-entropy error $L = -\\sum_k t_k \\log
            y_k$ with the one-hot teacher label (教師ラベル) $t$.  The book draws the pair
            as two boxes, and states the result of appendix A: the gradient that reaches the
            scores $a$ is

            $$\\frac{\\partial L}{\\partial a_k} = y_k - t_k.$$

            Here are three scores $a$ chosen so that softmax gives the book's first example,
            $y = (0.3, 0.2, 0.5)$, with the label $t = (0, 1, 0)$.  With
            `collapse=[...]` softmax and cross entropy are drawn as one box each, as in
            the book's simplified graph; notebook 05 opens them up.
        """),
        code("""
            from autograd import softmax_with_loss

            t = [0, 1, 0]
            a = [Value(np.log(p), name=f"a{k}") for k, p in enumerate([0.3, 0.2, 0.5], 1)]
            L = softmax_with_loss(a, t)
            L.name = "L"
            L.backward()
            print("dL/da =", [round(v.grad, 10) for v in a])
            viz.draw(L, collapse=["softmax", "cross_entropy_error"])
        """),
        md("""
            Between the two boxes flows $-t_k / y_k$, the derivative of the cross entropy:
            0, −1/0.2 = −5, 0.  The softmax box turns it into $y - t$ = (0.3, −0.8, 0.5).

            ## How big is the backward signal? (the book's discussion of y − t)

            $y - t$ is the difference between the network's output and the label, so the
            backward signal is large when the network is wrong and small when it is right:

            * output $(0.3, 0.2, 0.5)$ for label $(0, 1, 0)$: the correct class has only
              20%; the signal is $(0.3, -0.8, 0.5)$, large, and the weights before this
              layer will learn a lot from this sample;
            * output $(0.01, 0.99, 0)$ for the same label: almost right; the signal is
              $(0.01, -0.01, 0)$, small, and little changes.

            With the book's `SoftmaxWithLoss` layer (the scores are the logarithms of the
            outputs, so softmax returns exactly those outputs; the 0 is $10^{-30}$ here):
        """),
        code("""
            from autograd.layers import SoftmaxWithLoss

            t = np.array([[0.0, 1.0, 0.0]])
            for y in ([0.3, 0.2, 0.5], [0.01, 0.99, 1e-30]):
                layer = SoftmaxWithLoss()
                loss = layer.forward(np.log([y]), t)
                dx = layer.backward(1)
                print(f"y = {np.round(layer.y, 4)}   loss = {loss:.4f}   "
                      f"backward = {np.round(dx, 4)}")
        """),
        md("""
            This is no accident: cross entropy was designed to go with softmax so that the
            backward pass comes out as $y - t$ (and the sum of squared errors, 二乗和誤差,
            with the identity function, 恒等関数, for regression, gives $y - t$ as well).
            Appendix A derives it step by step; notebook 05 replays that derivation on the
            engine's graph.

            For a mini-batch, the loss is the mean over the N samples, so the backward
            signal is $(y - t)/N$ (the layer's `backward` divides by the batch size):
        """),
        code("""
            x = np.log([[0.3, 0.2, 0.5], [0.01, 0.99, 1e-30]])
            t = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
            layer = SoftmaxWithLoss()
            layer.forward(x, t)
            dx = layer.backward(1)
            print(np.round(dx, 4))
            assert np.allclose(dx, (layer.y - t) / 2)
        """),
        md("""
            The identity function with the sum of squared errors, $L = \\frac12 \\sum_k
            (y_k - t_k)^2$ with $y = a$, for comparison:
        """),
        code("""
            a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 0.2, 0.5], 1)]
            t = [0.0, 1.0, 0.0]
            L = sum((ak - tk) ** 2 for ak, tk in zip(a, t)) * 0.5
            L.name = "L"
            L.backward()
            print("dL/da =", [round(v.grad, 10) for v in a], "  y − t =",
                  [round(v.data - tk, 10) for v, tk in zip(a, t)])
        """),
    ]


@notebook("05_appendix_a_step_by_step")
def appendix_a():
    return [
        md("""
            # 5. Appendix A: the Softmax-with-Loss graph, step by step

            Appendix A of the book (付録A Softmax-with-Lossレイヤの計算グラフ) draws the
            Softmax layer and the Cross Entropy Error layer node by node, then walks the
            backward pass in six steps and arrives at $y_k - t_k$.  Here the engine builds
            the same graph from three scores $a_k$ and a one-hot label $t_k$; we replay its
            backward pass with numbers and, side by side, with symbols.
        """),
        SETUP,
        md("""
            ## The graph

            Three scores $a = (0.3, 2.9, 4.0)$ (the book's softmax example of chapter 3)
            and the label $t = (0, 0, 1)$.  `shift=False` skips the usual subtraction of the
            maximum score (it does not change the gradient; it only guards `exp` against
            overflow), and `delta=0` skips the `1e-7` that guards `log(0)`: with both, the
            graph is exactly the appendix's.  Naming the nodes makes the drawing and the
            algebra read like the book: $y_k$ the softmax outputs, $S$ the sum of the
            exponentials, $L$ the loss.
        """),
        code("""
            a = [Value(v, name=f"a{k}") for k, v in enumerate([0.3, 2.9, 4.0], 1)]
            t = [Value(v, name=f"t{k}") for k, v in enumerate([0, 0, 1], 1)]

            y = autograd.softmax(a, shift=False)
            for k, yk in enumerate(y, 1):
                yk.name = f"y{k}"
            S = y[0].parents[1].parents[0]  # y1 = exp(a1) × (1/S): the sum is 1/S's input
            S.name = "S"
            L = autograd.cross_entropy_error(y, t, delta=0)
            L.name = "L"

            print("y =", [round(v.data, 8) for v in y], "  S =", round(S.data, 4))
            print("L =", L.data, "  (−log y3 =", -np.log(y[2].data), ")")
        """),
        md("""
            ## Forward: the Softmax layer (figure A-2)

            $S = \\exp(a_1) + \\exp(a_2) + \\exp(a_3)$, one "/" node computes $1/S$, and
            $y_k = \\exp(a_k) \\times (1/S)$.  The cross entropy part is one box here:
        """),
        code("""
            viz.draw(L, collapse="cross_entropy_error")
        """),
        md("""
            ## Forward: the Cross Entropy Error layer (figure A-3)

            $L = -\\sum_k t_k \\log y_k$: a "log" node per output, a "×" by $t_k$, two "+"
            nodes and a "×" by −1.  Now softmax is the box:
        """),
        code("""
            viz.draw(L, collapse="softmax")
        """),
        md("""
            ## Backward, steps 1 to 6

            The book's six steps, in the engine's terms:

            1. **Cross entropy**: from 1 at $L$, the "×(−1)", "+" and "×$t_k$" nodes send
               $-t_k$ on, and each "log" node multiplies by $1/y_k$: $-t_k/y_k$ arrives at
               the softmax layer.
            2. **The "×" nodes $y_k = \\exp(a_k) \\times (1/S)$**, towards $1/S$:
               $-\\frac{t_k}{y_k}\\exp(a_k) = -t_k S$.
            3. **The "/" node**: the three branches into $1/S$ add up to
               $-S(t_1 + t_2 + t_3)$; the local derivative $-1/S^2$ makes it
               $\\frac{1}{S}(t_1 + t_2 + t_3) = \\frac1S$, because a one-hot label sums to 1.
            4. **The "+" nodes** pass $\\frac1S$ on to every exponential.
            5. **The "×" nodes again**, towards $\\exp(a_k)$: $-\\frac{t_k}{y_k} \\cdot
               \\frac1S = -\\frac{t_k}{\\exp(a_k)}$.
            6. **The "exp" nodes**: the two branches add up, $\\frac1S - \\frac{t_k}
               {\\exp(a_k)}$, times the local derivative $\\exp(a_k)$:
               $\\frac{\\exp(a_k)}{S} - t_k = y_k - t_k$.

            Step through the engine's backward pass.  Here the cross entropy is drawn as
            one box, so that the whole of book step 1 is the first step; then the "×" nodes
            (steps 2 and 5), the "/" node (step 3), the "+" nodes (step 4) and the "exp"
            nodes (step 6).  Under each picture: the numbers, and the same step in symbols.
        """),
        code("""
            from viz.symbolic import ONE_HOT
            from viz.widgets import Stepper

            stepper = Stepper(L, collapse="cross_entropy_error", given=ONE_HOT, height=720)
            stepper
        """),
        md("""
            Three of these frames as still pictures (a static page such as GitHub shows no
            player): book step 1, where $-t_k/y_k$ leaves the cross entropy; step 3, where
            the three branches meet at the "/" node and give $1/S$; and step 6 for $a_3$,
            where $y_3 - t_3$ appears.
        """),
        code("""
            from IPython.display import display


            def frame_at(node):
                \"\"\"The stepper's frame stepping `node` (or the box that holds it).\"\"\"
                return next(f for f in stepper.frames
                            if f.kind == "step" and f.node_id == f.view.node_id(node))


            reciprocal = y[0].parents[1]  # the "/" node: y1 = exp(a1) × (1/S)
            exp_a3 = y[2].parents[0]
            for node in (L, reciprocal, exp_a3):
                display(frame_at(node))
        """),
        md("""
            ## Every step, numbers and symbols

            The engine's walk visits the nodes one at a time in an order that respects the
            graph (every node after all the nodes that use it); a "×" node sends both of its
            gradients in the same engine step, so book steps 2 and 5 are one engine step per
            node.  The table lists every engine step with the book step it belongs to; the
            numeric column is what `backward()` computes, the symbolic column is the same
            derivative rule run on sympy symbols by `viz.symbolic` (with the relation
            $t_1 + t_2 + t_3 = 1$ allowed for display).  Where the book writes
            $-t_k/\\exp(a_k)$ the engine's algebra finds $-t_k/(S\\,y_k)$, the same thing
            since $S\\,y_k = \\exp(a_k)$.  The label inputs $t_k$ get a gradient too,
            $-\\log y_k$, which nobody uses.
        """),
        code("""
            from IPython.display import Markdown
            from viz import format_number
            from viz.symbolic import symbolic

            sg = symbolic(L, given=ONE_HOT)


            def book_step(node):
                if node.scope and node.scope[-1][0] == "cross_entropy_error":
                    return "1"
                return {"mul": "2, 5", "reciprocal": "3", "add": "4", "exp": "6"}[node.op.name]


            def name(node):
                label = {"reciprocal": "/", "mul": "×"}.get(node.op.name, node.op.label)
                return f"{label} ({node.name})" if node.name else label


            rows = ["| book | engine | node | upstream | | sent to the inputs | |",
                    "|:-:|:-:|:-:|--:|:--|--:|:--|"]
            for num, sym in zip(autograd.backward_steps(L), sg.steps):
                if num.op is None:
                    continue
                text = sg.show(sym)
                # leave out what goes to constants (the −1 of L = −Σ ...): nobody needs it
                keep = [i for i, p in enumerate(num.inputs) if p.op is not None or p.name]
                sent_num = "<br>".join(format_number(num.grads[i]) for i in keep)
                sent_sym = "<br>".join(text.sent[i] for i in keep)
                rows.append(f"| {book_step(num.node)} | {num.index} | {name(num.node)} "
                            f"| {format_number(num.upstream)} | {text.upstream} "
                            f"| {sent_num} | {sent_sym} |")
            Markdown("\\n".join(rows))
        """),
        md("""
            ## The result: y − t

            At the scores the chain ends in $y_k - t_k$, numerically and symbolically:
        """),
        code("""
            L.backward()
            for k, ak in enumerate(a, 1):
                symbolic_grad = sg.text(sg.simplified_gradient(ak))
                print(f"∂L/∂a{k} = {ak.grad:+.8f}   y{k} − t{k} = "
                      f"{y[k - 1].data - t[k - 1].data:+.8f}   symbolically: {symbolic_grad}")
                assert abs(ak.grad - (y[k - 1].data - t[k - 1].data)) < 1e-12
        """),
        md("""
            The whole graph after the backward pass, every gradient on its edge:
        """),
        code("""
            viz.draw(L)
        """),
        md("""
            And folded into the two boxes of section 5.6.3 (notebook 04):
        """),
        code("""
            viz.draw(L, collapse=["softmax", "cross_entropy_error"])
        """),
    ]


@notebook("06_two_layer_net_mnist")
def two_layer_net():
    return [
        md("""
            # 6. TwoLayerNet on MNIST: gradient check, training, accuracy (section 5.7)

            Section 5.7 of the book assembles the layers into `TwoLayerNet`
            (Affine1 → Relu1 → Affine2 → SoftmaxWithLoss), checks backpropagation
            (誤差逆伝播法) against the numerical gradient (数値微分), a check called
            gradient check (勾配確認), and trains it on handwritten digits.  graphgrad's
            `autograd.models.TwoLayerNet` has the book's API (`params`, `layers`,
            `lastLayer`, `predict`, `loss`, `accuracy`, `numerical_gradient`, `gradient`);
            inside, each layer records its graph on the engine, and `gradient()` walks
            them backwards as one graph (the book's layer-by-layer `backward` calls give
            the same numbers).

            **Data.**  The full MNIST set is used if it is on this machine (the loader's
            cache, or `$GRAPHGRAD_MNIST_DIR`).  Otherwise the 10,000 test images, when
            present (the project's shared copy, `../shared/datasets/mnist` next to the
            repository), are split 8,000 for training and 2,000 for testing.  Otherwise
            the notebook falls back to the small built-in spiral set, so it runs anywhere.
            Nothing is downloaded here; `load_mnist()` downloads on request.
        """),
        SETUP,
        code("""
            from autograd import datasets
            from autograd.gradcheck import gradient_check
            from autograd.models import TwoLayerNet
            from autograd.optimizers import SGD


            def load_data():
                \"\"\"(description, (x_train, t_train), (x_test, t_test)), one-hot labels.\"\"\"
                try:
                    train, test = datasets.load_mnist(one_hot_label=True, download=False,
                                                      progress=False)
                    return "MNIST, 60,000 / 10,000", train, test
                except datasets.MNISTNotFoundError:
                    pass
                try:
                    train, test = datasets.load_mnist_test_split(n_train=8000, seed=0,
                                                                 one_hot_label=True)
                    return "MNIST's 10,000 test images, split 8,000 / 2,000", train, test
                except datasets.MNISTNotFoundError:
                    pass
                eye = np.eye(3)
                (x, t), (x2, t2) = datasets.spiral(100, 3, seed=0), datasets.spiral(100, 3, seed=1)
                return "the built-in spiral set (no MNIST here)", (x, eye[t]), (x2, eye[t2])


            source, (x_train, t_train), (x_test, t_test) = load_data()
            mnist = x_train.shape[1] == 784
            print(source)
            print("x_train", x_train.shape, x_train.dtype, "  t_train", t_train.shape)
            print("x_test ", x_test.shape, "  t_test ", t_test.shape)
        """),
        md("""
            ## Gradient check (勾配確認)

            The book's `gradient_check.py`: a fresh network, three training samples, the
            gradient by backpropagation and by central differences
            $(f(x + h) - f(x - h)) / 2h$, one parameter element at a time (that is
            39,760 × 2 forward passes for a 784-50-10 network: it takes a few seconds, which
            is why nobody trains with it).  The mean absolute difference per parameter
            should be tiny, around 1e-10 in float64.
        """),
        code("""
            from IPython.display import Markdown

            input_size, output_size = x_train.shape[1], t_train.shape[1]
            hidden_size = 50 if mnist else 30
            # with 2 inputs and weights of 0.01 (the spiral), hidden units sit within h = 1e-4
            # of ReLU's kink, where the central difference itself is wrong: use larger ones
            std = 0.01 if mnist else 1.0
            network = TwoLayerNet(input_size, hidden_size, output_size, std, seed=0)
            x_batch, t_batch = x_train[:3], t_train[:3]

            diffs = gradient_check(network, x_batch, t_batch, verbose=False)
            backprop = network.gradient(x_batch, t_batch)
            rows = ["| parameter | shape | mean abs. difference | largest gradient |",
                    "|---|---|---|---|"]
            for key, d in diffs.items():
                rows.append(f"| {key} | {network.params[key].shape} | {d:.1e} "
                            f"| {np.abs(backprop[key]).max():.1e} |")
            assert max(diffs.values()) < 1e-7
            Markdown("\\n".join(rows))
        """),
        md("""
            The book prints the same check as `W1:2.6e-13 b1:2.3e-12 W2:7.6e-13
            b2:1.2e-10`; the exact digits depend on the random weights.  Backpropagation
            and the numerical gradient agree to rounding, so the backward pass is right.

            ## Training (学習)

            The book's `train_neuralnet.py`: mini-batches (ミニバッチ) of 100 drawn at
            random, the gradient by backpropagation, one step of stochastic gradient
            descent (確率的勾配降下法, SGD) with learning rate (学習率) 0.1, and once per
            epoch the recognition accuracy (認識精度) on the training and the test data.
            The book runs 10,000 iterations; we stop after a few epochs so that the
            notebook runs in seconds.  The bar below is updated in place.
        """),
        code("""
            import time
            from IPython.display import HTML, display


            def bar(done, total, note=""):
                width = 30
                fill = int(width * done / total)
                return HTML(f"<pre>[{'#' * fill}{'-' * (width - fill)}] "
                            f"{done}/{total} {note}</pre>")


            if mnist:
                network = TwoLayerNet(784, 50, 10, seed=0)
                iters_num, batch_size, learning_rate = 1000, 100, 0.1
                epoch_size = min(x_train.shape[0], 8000)  # report 8 times or more
                print_every = 1  # epochs
            else:  # the spiral: 2 inputs, a larger step, more epochs
                network = TwoLayerNet(2, 30, 3, weight_init_std=1.0, seed=0)
                iters_num, batch_size, learning_rate = 3000, 30, 1.0
                epoch_size = x_train.shape[0]
                print_every = 20
            optimizer = SGD(lr=learning_rate)
            iter_per_epoch = max(epoch_size // batch_size, 1)
            rng = np.random.default_rng(0)

            train_loss_list, train_acc_list, test_acc_list, epochs = [], [], [], []
            progress = display(bar(0, iters_num), display_id=True)
            t0 = time.perf_counter()
            for i in range(iters_num):
                batch_mask = rng.choice(x_train.shape[0], batch_size)
                x_b, t_b = x_train[batch_mask], t_train[batch_mask]
                grads = network.gradient(x_b, t_b)  # backpropagation
                optimizer.update(network.params, grads)
                train_loss_list.append(network.lastLayer.loss)
                if i % iter_per_epoch == 0 or i == iters_num - 1:
                    train_acc = network.accuracy(x_train, t_train)
                    test_acc = network.accuracy(x_test, t_test)
                    train_acc_list.append(train_acc)
                    test_acc_list.append(test_acc)
                    epochs.append(i / iter_per_epoch)
                    if (len(epochs) - 1) % print_every == 0 or i == iters_num - 1:
                        print(f"train acc, test acc | {train_acc:.4f}, {test_acc:.4f}")
                    progress.update(bar(i + 1, iters_num, f"test acc {test_acc:.4f}"))
            progress.update(bar(iters_num, iters_num,
                                f"done in {time.perf_counter() - t0:.1f} s"))
            assert test_acc_list[-1] > (0.85 if mnist else 0.9)
        """),
        md("""
            ## Loss and accuracy curves

            The mini-batch loss falls, and the accuracy on the test data follows the
            accuracy on the training data closely: no overfitting (過学習) yet, as in the
            book's figure 4-12 for the same network.
        """),
        code("""
            import matplotlib.pyplot as plt

            fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
            ax1.plot(train_loss_list, color="0.6", linewidth=0.6)
            ax1.set_xlabel("iteration")
            ax1.set_ylabel("loss")
            ax1.set_title("mini-batch loss")
            ax2.plot(epochs, train_acc_list, marker="o", markersize=3, label="train acc")
            ax2.plot(epochs, test_acc_list, marker="s", markersize=3, linestyle="--",
                     label="test acc")
            ax2.set_xlabel("epochs")
            ax2.set_ylabel("accuracy")
            ax2.set_ylim(0, 1.0)
            ax2.legend(loc="lower right")
            ax2.set_title("accuracy")
            fig.tight_layout()
            plt.show()
        """),
        md("""
            The same loop is available from the command line, with the book's full
            10,000 iterations, a saved network and the curves as PNG files:

            ```
            graphgrad train --check-grad            # ./run train --check-grad in a clone
            ```
        """),
    ]


@notebook("07_mazur_step_by_step")
def mazur():
    return [
        md("""
            # 7. Matt Mazur's step-by-step backpropagation, every number

            Matt Mazur's blog post *A Step by Step Backpropagation Example* (2015) works one
            training step of a tiny network by hand: 2 inputs, 2 hidden neurons, 2 outputs,
            sigmoid activations (活性化関数), squared error as the loss (損失関数, 二乗和誤差).
            Generations of learners have checked their understanding of backpropagation
            (誤差逆伝播法) against its numbers.  Here the engine computes them, and we print
            each one under the post's name, so you can follow the post line by line.

            The network is built from `Value`s in `autograd.examples.mazur_network()`: each
            neuron is `w·i + w·i + b` followed by a sigmoid, exactly the forward pass
            (順伝播) of the post.  One bias per layer is shared by its two neurons, as in
            the post.
        """),
        SETUP,
        code("""
            from autograd.examples import MAZUR, mazur_network, mazur_step

            print(MAZUR)
        """),
        md("""
            ## The forward pass (順伝播)

            For the hidden layer (隠れ層),
            $net_{h1} = w_1 i_1 + w_2 i_2 + b_1 \\cdot 1$ and
            $out_{h1} = \\sigma(net_{h1}) = 1/(1 + e^{-net_{h1}})$; the output layer does the
            same with $w_5 \\dots w_8$ and $b_2$.  The error is
            $E_{total} = \\sum \\tfrac12 (target - out)^2$.
        """),
        code("""
            n = mazur_network()
            for k in ["net_h1", "out_h1", "net_h2", "out_h2",
                      "net_o1", "out_o1", "net_o2", "out_o2", "E_o1", "E_o2", "E_total"]:
                print(f"{k:8s} = {n[k].data:.9f}")
        """),
        md("""
            The post's numbers: $net_{h1}$ = 0.3775, $out_{h1}$ = 0.593269992,
            $out_{h2}$ = 0.596884378, $net_{o1}$ = 1.105905967, $out_{o1}$ = 0.75136507,
            $out_{o2}$ = 0.772928465, $E_{o1}$ = 0.274811083, $E_{o2}$ = 0.023560026,
            $E_{total}$ = **0.298371109**.

            The engine recorded all of this as one computational graph (計算グラフ) of
            about 60 nodes, too many to read in one picture.  The part that matters for
            $w_5$ is output neuron $o_1$ and its error $E_{o1}$ ($w_5$ does not reach
            $E_{o2}$).  Cut the graph at the hidden layer, taking $out_{h1}$ and
            $out_{h2}$ as plain inputs, and it is small (the sigmoid drawn as one node, the
            subject of notebook 03):
        """),
        code("""
            print(len(autograd.toposort(n["E_total"])), "nodes in the whole graph")

            out_h1 = Value(n["out_h1"].data, name="out_h1")
            out_h2 = Value(n["out_h2"].data, name="out_h2")
            w5, w6, b2 = Value(0.40, name="w5"), Value(0.45, name="w6"), Value(0.60, name="b2")
            net_o1 = w5 * out_h1 + w6 * out_h2 + b2
            out_o1 = net_o1.sigmoid()
            E_o1 = 0.5 * (0.01 - out_o1) ** 2
            E_o1.name = "E_o1"
            E_o1.backward()
            viz.draw(E_o1, collapse="sigmoid")
        """),
        md("""
            ## The backward pass (逆伝播), output layer

            The post splits $\\partial E_{total}/\\partial w_5$ with the chain rule (連鎖律)
            into three local pieces:

            $$\\frac{\\partial E_{total}}{\\partial w_5}
              = \\frac{\\partial E_{total}}{\\partial out_{o1}}
                \\cdot \\frac{\\partial out_{o1}}{\\partial net_{o1}}
                \\cdot \\frac{\\partial net_{o1}}{\\partial w_5}$$

            `grad(outputs, inputs)` gives any of these factors without touching `.grad`,
            because every intermediate result is a node of the graph:
        """),
        code("""
            (dE_dout_o1,) = grad(n["E_total"], [n["out_o1"]])
            (dout_dnet_o1,) = grad(n["out_o1"], [n["net_o1"]])
            (dnet_dw5,) = grad(n["net_o1"], [n["w5"]])
            print(f"dE_total/dout_o1 = {dE_dout_o1.data:.9f}   (-(target_o1 - out_o1))")
            print(f"dout_o1/dnet_o1  = {dout_dnet_o1.data:.9f}   (out_o1 (1 - out_o1))")
            print(f"dnet_o1/dw5      = {dnet_dw5.data:.9f}   (out_h1)")
            product = dE_dout_o1.data * dout_dnet_o1.data * dnet_dw5.data
            print(f"product          = {product:.9f}")

            n["E_total"].backward()  # the engine's own walk, one pass for every weight
            print(f"dE_total/dw5     = {n['w5'].grad:.9f}")
            assert abs(n["w5"].grad - 0.082167041) < 1e-9
        """),
        md("""
            The post: 0.74136507 × 0.186815602 × 0.593269992 = **0.082167041**.  The product
            of the first two factors is the post's $\\delta_{o1}$ = 0.138498562, "the error
            signal" of output neuron $o_1$ (the 0.1385 on the edge into the sigmoid in the
            drawing above); every weight into $o_1$ gets $\\delta_{o1}$ times the value on
            its input.

            ## The backward pass, hidden layer

            For $w_1$ the signal reaches $out_{h1}$ from *both* output neurons: the graph has
            a branch (分岐ノード) at $out_{h1}$ and the gradients of its two consumers add
            up, $\\partial E_{total}/\\partial out_{h1}$ = 0.055399425 − 0.019049119
            = 0.036350306.
        """),
        code("""
            (dE_dout_h1,) = grad(n["E_total"], [n["out_h1"]])
            print(f"dE_total/dout_h1 = {dE_dout_h1.data:.9f}")
            print()
            for k in [f"w{i}" for i in range(1, 9)]:
                print(f"dE_total/d{k} = {n[k].grad:+.9f}")
        """),
        md("""
            The post: $\\partial E_{total}/\\partial w_1$ = 0.000438568.

            ## The update (学習率 η = 0.5)

            Every gradient comes from the same backward pass, computed *before* any weight
            changes (the post is explicit about that); then $w \\leftarrow w - \\eta\\,
            \\partial E/\\partial w$.  The biases stay as they are, as in the post.
        """),
        code("""
            E, grads, new = mazur_step(lr=0.5)
            for k, v in new.items():
                print(f"{k}+ = {v:.9f}")
            assert abs(new["w5"] - 0.35891648) < 1e-8 and abs(new["w1"] - 0.149780716) < 1e-9

            after = mazur_network(**new)
            print(f"\\nE_total before: {E:.9f}   after one step: {after['E_total'].data:.9f}")
        """),
        md("""
            The post: $w_5^+$ = 0.35891648, $w_6^+$ = 0.408666186, $w_7^+$ = 0.511301270,
            $w_8^+$ = 0.561370121, $w_1^+$ = 0.149780716, $w_2^+$ = 0.19956143,
            $w_3^+$ = 0.24975114, $w_4^+$ = 0.29950229: all agree.  The post then says the
            error falls from 0.298371109 to 0.291027924; the engine gets 0.291027774.  The
            difference is in the post's arithmetic, not in the weights: evaluating the
            network with the updated weights exactly as the post prints them also gives
            0.2910277737.

            ## 10,000 iterations

            "After repeating this process 10,000 times, for example, the error plummets to
            0.0000351085."  Each step builds the graph anew (about 60 nodes) and walks it
            back: this takes a second or two.
        """),
        code("""
            import time

            weights, errors = {}, []
            t0 = time.perf_counter()
            for i in range(10_000):
                current = weights
                E, _, weights = mazur_step(lr=0.5, **current)
                errors.append(E)  # the error of this iteration's forward pass
            print(f"10,000 iterations in {time.perf_counter() - t0:.1f} s")

            last = mazur_network(**current)  # the forward pass of iteration 10,000
            print(f"E_total = {errors[-1]:.10f}")
            print(f"out_o1 = {last['out_o1'].data:.9f} (target 0.01), "
                  f"out_o2 = {last['out_o2'].data:.9f} (target 0.99)")
            assert abs(errors[-1] - 0.0000351085) < 1e-10
        """),
        code("""
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6, 3.2))
            ax.semilogy(range(1, len(errors) + 1), errors)
            ax.set_xlabel("iteration")
            ax.set_ylabel("E_total (log scale)")
            ax.set_title("Mazur's network: squared error, learning rate 0.5")
            ax.grid(True, which="both", alpha=0.3)
            plt.show()
        """),
        md("""
            The post: "the error plummets to 0.0000351085", as here, "and the outputs are
            0.015912196 (vs 0.01 target) and 0.984065734 (vs 0.99 target)"; our outputs agree
            with those to about 2e-6 (the post's outputs seem to come from a few iterations
            later than its error).  The error falls fast at first, then slowly: the sigmoids
            saturate as the outputs approach their targets, and their local derivative
            $out(1 - out)$ (notebook 03) shrinks the signal that reaches the weights.
        """),
    ]


@notebook("08_e_shikaku_2_3_2")
def e_shikaku():
    return [
        md("""
            # 8. The E資格 exercise: a 2-3-2 network, forward, backward, one update

            A classic exercise from E資格 (JDLA Deep Learning for Engineer) preparation
            courses: a network with 2 inputs, a hidden layer (中間層) of 3 ReLU units and
            2 softmax outputs, fixed weights, one training sample, cross-entropy error
            (交差エントロピー誤差), and one step of gradient descent (勾配降下法) with
            learning rate 0.01.  The exercise prints every intermediate array; so do we,
            in its format, computed by the engine.

            | | |
            |---|---|
            | W1 | [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]] |
            | b1 | [0.1, 0.2, 0.3] |
            | W2 | [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]] |
            | b2 | [0.1, 0.2] |
            | x, d | [[1, 5]], [[0, 1]] |
        """),
        SETUP,
        code("""
            from autograd.examples import eshikaku_232
            from autograd.optimizers import SGD


            def print_vec(text, vec):
                \"\"\"The exercise's way of printing an array.\"\"\"
                print("*** " + text + " ***")
                print(vec)
                print("")


            network, x, d = eshikaku_232()  # a TwoLayerNet holding the exercise's weights
            for key in ("W1", "b1", "W2", "b2"):
                print_vec(key, network.params[key])
        """),
        md("""
            ## Forward (順伝播)

            $u_1 = xW_1 + b_1$, $z_1 = \\mathrm{ReLU}(u_1)$, $u_2 = z_1W_2 + b_2$,
            $y = \\mathrm{softmax}(u_2)$.  The network is the book's `TwoLayerNet`
            (Affine1 → Relu1 → Affine2 → SoftmaxWithLoss), so each intermediate array can be
            read off its layer.
        """),
        code("""
            loss = network.loss(x, d)
            layers = network.layers
            print("##### 順伝播開始 #####")
            print_vec("総入力1", layers["Affine1"].graph.data)
            print_vec("中間層出力1", layers["Relu1"].graph.data)
            print_vec("総入力2", layers["Affine2"].graph.data)
            y = network.lastLayer.y
            print_vec("出力1", y)
            print("出力合計: " + str(np.sum(y)))
            print("交差エントロピー誤差: " + str(loss))
        """),
        md("""
            ## Backward (逆伝播)

            The exercise writes the backward pass by hand: $\\delta_2 = y - d$ (notebooks 04
            and 05 show why softmax with cross entropy gives exactly this),
            $\\partial E/\\partial W_2 = z_1^\\top \\delta_2$,
            $\\delta_1 = \\delta_2 W_2^\\top \\odot \\mathrm{ReLU}'(u_1)$,
            $\\partial E/\\partial W_1 = x^\\top \\delta_1$.  Here nothing is written by
            hand: `gradient()` records one graph from $x$ to the loss and walks it backwards
            once; each layer's `backward(dout)`, called below as the book chains them, walks
            the graph from that layer's output and gives the same numbers.
        """),
        code("""
            grads = network.gradient(x, d)
            print("##### 誤差逆伝播開始 #####")
            print_vec("偏微分_dE/du2", network.lastLayer.backward(1))
            print_vec("偏微分_dE/du1", layers["Relu1"].backward(layers["Affine2"].backward(
                network.lastLayer.backward(1))))
            print_vec("偏微分_重み1", grads["W1"])
            print_vec("偏微分_重み2", grads["W2"])
            print_vec("偏微分_バイアス1", grads["b1"])
            print_vec("偏微分_バイアス2", grads["b2"])
        """),
        md("""
            ## One update (学習率 0.01)

            $W \\leftarrow W - 0.01\\,\\partial E/\\partial W$: the book's `SGD` optimizer
            changes the arrays in place, so the layers see the new weights.
        """),
        code("""
            SGD(lr=0.01).update(network.params, grads)
            print("##### 更新後パラメータ #####")
            print_vec("重み1", network.params["W1"])
            print_vec("重み2", network.params["W2"])
            print_vec("バイアス1", network.params["b1"])
            print_vec("バイアス2", network.params["b2"])

            assert np.allclose(y, [[0.08706577, 0.91293423]])
            assert np.allclose(grads["W2"][0], [0.10447893, -0.10447893])
            assert np.allclose(network.params["W1"][0, 0], 0.1002612)
        """),
        md("""
            The exercise's answers: y = [[0.08706577 0.91293423]],
            ∂E/∂W2 = [[0.10447893 −0.10447893] [0.21766443 −0.21766443]
            [0.33084994 −0.33084994]], and the updated W1 = [[0.1002612 0.3002612 0.5002612]
            [0.20130599 0.40130599 0.60130599]].

            ## The same network as one graph

            The layers each record a small graph of their own.  Written as one expression on
            `Tensor`s, the whole network is one computational graph (計算グラフ), and one
            call to `grad` gives all four gradients, the same numbers as above.  The drawing
            shows the shape of each array on its edge: this is the batch version of the
            Affine layer (notebook 04) with N = 1.
        """),
        code("""
            net0, x, d = eshikaku_232()  # fresh weights
            W1, b1, W2, b2 = (Tensor(net0.params[k], requires_grad=True, name=k)
                              for k in ("W1", "b1", "W2", "b2"))
            X = Tensor(x, name="x")
            u1 = X @ W1 + b1
            z1 = u1.relu()
            u2 = z1 @ W2 + b2
            E = autograd.softmax_with_loss(u2, d)
            dW1, db1, dW2, db2 = grad(E, [W1, b1, W2, b2])
            print_vec("偏微分_重み1", dW1.data)
            print_vec("偏微分_重み2", dW2.data)
            assert np.allclose(dW2.data, grads["W2"]) and np.allclose(dW1.data, grads["W1"])
        """),
        code("""
            E.backward()
            viz.draw(E, collapse=["softmax_with_loss"])
        """),
    ]



@notebook("09_higher_order")
def higher_order():
    return [
        md("""
            # 9. Higher-order derivatives: the gradient is a graph too

            In `backward()` each node multiplies the gradient from above by its local
            derivative (局所的な微分) on plain numbers.  The same derivative rules can run
            on *nodes* instead: then the backward pass records a computational graph of its
            own, which can be differentiated again.  That is `grad(..., create_graph=True)`,
            DeZero's way (『ゼロから作るDeep Learning ❸』 steps 33 to 36) and PyTorch's.
            With it: second derivatives (二階微分), Newton's method (ニュートン法), and a
            drawing of the gradient's own graph.
        """),
        SETUP,
        md("""
            ## Second derivative of y = x⁴ − 2x²

            $y' = 4x^3 - 4x$ and $y'' = 12x^2 - 4$: at $x = 2$, 24 and 44.
        """),
        code("""
            x = Value(2.0, name="x")
            y = x ** 4 - 2 * x ** 2
            (gx,) = grad(y, [x], create_graph=True)  # a node of a new graph
            (gx2,) = grad(gx, [x])                   # differentiate the gradient
            print("y   =", y.data)
            print("y'  =", gx.data, "  (4x³ − 4x =", 4 * 2 ** 3 - 4 * 2, ")")
            print("y'' =", gx2.data, "  (12x² − 4 =", 12 * 2 ** 2 - 4, ")")
        """),
        md("""
            ## The gradient's graph

            The forward graph of $y$ first (with $x = 2$):
        """),
        code("""
            y.name = "y"
            viz.draw(y)
        """),
        md("""
            Then the graph that `create_graph=True` recorded while walking it backwards:
            the nodes of the derivative rules.  The 1 entering at the left is the seed
            $\\partial y/\\partial y$; it splits into the two terms.  Above, pow's rule
            $p\\,x^{p-1}$ for $x^4$: $1 \\times 4 \\times x^3 = 32$.  Below, the −1 of the
            subtraction, then mul's rule (times the other input, 2), then pow's rule for
            $x^2$: $-2 \\times 2x = -8$.  The "+" adds them: $y' = 24$.  (Edges that start
            from nowhere carry constants made by the rules, such as the exponent 4.)
        """),
        code("""
            gx.name = "gx"
            viz.draw(gx, expand="all")
        """),
        md("""
            ## Newton's method (ニュートン法)

            To minimise $f$, gradient descent (勾配降下法) steps $x \\leftarrow x - \\eta
            f'(x)$ with a learning rate $\\eta$ chosen by hand.  Newton's method uses the
            curvature instead: $x \\leftarrow x - f'(x) / f''(x)$, the minimum of the
            parabola that touches $f$ at $x$.  DeZero's step 33 starts at $x = 2$ and
            reaches the minimum $x = 1$ in 7 steps:
        """),
        code("""
            def f(x):
                return x ** 4 - 2 * x ** 2


            x = Value(2.0, name="x")
            newton = [x.data]
            for i in range(10):
                print(i, x.data)
                (gx,) = grad(f(x), [x], create_graph=True)
                (gx2,) = grad(gx, [x])
                x = Value(x.data - gx.data / gx2.data, name="x")
                newton.append(x.data)
            assert x.data == 1.0
        """),
        md("""
            Gradient descent with DeZero's learning rate 0.01 needs over a hundred steps
            for the same accuracy:
        """),
        code("""
            x = Value(2.0, name="x")
            descent = [x.data]
            while abs(x.data - 1.0) > 1e-10 and len(descent) < 10_000:
                (gx,) = grad(f(x), [x])
                x = Value(x.data - 0.01 * gx.data, name="x")
                descent.append(x.data)
            newton_steps = next(i for i, v in enumerate(newton) if abs(v - 1) <= 1e-10)
            print(f"gradient descent: {len(descent) - 1} steps, Newton: {newton_steps} steps")
        """),
        code("""
            import matplotlib.pyplot as plt

            xs = np.linspace(-1.6, 2.2, 200)
            fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
            ax1.plot(xs, xs ** 4 - 2 * xs ** 2, color="0.5")
            ax1.plot(descent[:60], [v ** 4 - 2 * v ** 2 for v in descent[:60]], "o-",
                     markersize=3, label="gradient descent (first 60)")
            ax1.plot(newton[:8], [v ** 4 - 2 * v ** 2 for v in newton[:8]], "s-",
                     markersize=4, label="Newton")
            ax1.set_xlabel("x")
            ax1.set_ylabel("x⁴ − 2x²")
            ax1.legend()
            ax2.semilogy([abs(v - 1) + 1e-17 for v in descent], label="gradient descent")
            ax2.semilogy([abs(v - 1) + 1e-17 for v in newton], "s-", markersize=4,
                         label="Newton")
            ax2.set_xlabel("step")
            ax2.set_ylabel("|x − 1|")
            ax2.legend()
            fig.tight_layout()
            plt.show()
        """),
        md("""
            ## Higher derivatives on arrays

            DeZero's step 35 differentiates tanh again and again.  On a `Tensor` of 200
            points, `grad(y.sum(), x)` gives the elementwise derivative; with
            `create_graph=True` each derivative is a graph, so the next one follows.  The
            graphs grow quickly: that is the cost of higher-order derivatives.
        """),
        code("""
            from autograd import toposort

            x = Tensor(np.linspace(-7, 7, 200), requires_grad=True, name="x")
            ys = [autograd.tanh(x)]
            for n in range(3):
                (g,) = grad(ys[-1].sum(), [x], create_graph=True)
                ys.append(g)
            for n, g in enumerate(ys):
                print(f"derivative {n}: {len(toposort(g)):4d} nodes in its graph")

            fig, ax = plt.subplots(figsize=(6, 3.2))
            for n, g in enumerate(ys):
                ax.plot(x.data, g.data, label="tanh" + "′" * n)
            ax.set_ylim(-1.5, 1.5)
            ax.legend()
            ax.set_title("tanh and its first three derivatives")
            plt.show()
        """),
        md("""
            ## Sigmoid's derivative, as a graph

            Notebook 03 derived $\\partial y/\\partial x = y(1 - y)$ for the sigmoid by
            walking its four nodes backwards.  With `create_graph=True` that walk is
            recorded; here it is for $x = 1$.  The backward rules reuse the forward values:
            the "/" node's rule $-g\\,y\\,y$ takes $y = 0.7311$ twice (from the top: the
            −1, then two × nodes), the exp node's rule multiplies by its output 0.3679, and
            the first × node's rule by its constant −1.  The result is
            0.1966 = $y(1 - y)$.
        """),
        code("""
            x = Value(1.0, name="x")
            y = x.sigmoid()
            (dy,) = grad(y, [x], create_graph=True)
            dy.name = "dy/dx"
            print(dy.data, y.data * (1 - y.data))
            viz.draw(dy)
        """),
    ]


# ============================================================================ building

def build(name):
    """The notebook `name` as an nbformat node, without outputs."""
    cells = [c.copy() for c in NOTEBOOKS[name]()]
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def _kernel_env():
    """A kernelspec named python3 that runs *this* interpreter, first on JUPYTER_PATH, so
    the notebooks run in the same environment as the caller (not whatever `python3`
    kernel a user-wide Jupyter install points at)."""
    from ipykernel.kernelspec import write_kernel_spec

    tmp = Path(tempfile.mkdtemp(prefix="graphgrad-kernel-"))
    write_kernel_spec(str(tmp / "kernels" / "python3"))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(tmp)] + ([old] if old else []))
    return old


def execute(nb, timeout=300):
    """Run `nb` top to bottom in a fresh python3 kernel with cwd notebooks/ (in place)."""
    from nbclient import NotebookClient

    old = _kernel_env()
    # One BLAS thread: the notebooks' arrays are small, and on a busy machine (CI, a test
    # run in parallel) threaded OpenBLAS spins and makes training 10-40 times slower.
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(HERE)}},
                       store_widget_state=False, record_timing=False).execute(env=env)
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _live_only(output):
    """A Stepper's output: the widget view (its state is not stored, so nothing could
    show it) and the HTML player (every frame's SVG, hundreds of kB for appendix A,
    and no static viewer such as GitHub runs it).  Stored, the notebook shows the
    still frames displayed after it instead; run, it steps."""
    data = output.get("data", {})
    return WIDGET_VIEW in data or data.get("text/html", "").startswith("<iframe srcdoc=")


def clean(nb):
    """Drop what makes stored notebooks big or noisy: widget state and live-only
    outputs, run metadata."""
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if _live_only(output):
                output.data = {"text/plain": "(an interactive stepper: run the notebook to "
                                             "step through it; the still frames follow)"}
    return nb


def path_of(name):
    return HERE / f"{name}.ipynb"


def write(nb, name):
    path = path_of(name)
    nbformat.write(nb, str(path))
    return path


def check():
    """Names of the notebooks whose stored cells differ from this script (or are missing)."""
    stale = []
    for name in NOTEBOOKS:
        path = path_of(name)
        if not path.exists():
            stale.append(name)
            continue
        stored = nbformat.read(str(path), as_version=4)
        want = build(name)
        if [(c.cell_type, c.source) for c in stored.cells] != \
                [(c.cell_type, c.source) for c in want.cells]:
            stale.append(name)
    return stale


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="build only notebooks whose name contains these")
    ap.add_argument("--execute", action="store_true", help="run them and store the outputs")
    ap.add_argument("--check", action="store_true", help="exit 1 if a notebook is stale")
    args = ap.parse_args(argv)
    if args.check:
        stale = check()
        for name in stale:
            print(f"stale: {name}.ipynb (run python notebooks/build.py --execute {name})")
        return 1 if stale else 0
    names = [n for n in NOTEBOOKS if not args.names or any(s in n for s in args.names)]
    for name in names:
        nb = build(name)
        t0 = time.perf_counter()
        if args.execute:
            clean(execute(nb))
        path = write(nb, name)
        took = f"{time.perf_counter() - t0:5.1f} s" if args.execute else ""
        print(f"{path.name:40s} {path.stat().st_size / 1000:7.1f} kB {took}")
    sizes = {p.name: p.stat().st_size for p in HERE.glob("*.ipynb")}
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"notebooks/ holds {total / 1000:.1f} kB")
    big = [n for n, s in sizes.items() if s > MAX_NOTEBOOK_BYTES]
    if big or total > MAX_FOLDER_BYTES:
        print(f"too big: {big or 'the folder'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
