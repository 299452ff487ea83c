"""The playground's examples menu: the book's graphs as typed expressions, with the values
the book (or the post, or the exercise) uses.  The tests check each one against the
number its source publishes."""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EXAMPLES", "Example"]


@dataclass(frozen=True)
class Example:
    key: str
    title: str  # in English; the page shows it translated
    expr: str
    values: dict = field(default_factory=dict)
    labels: str = "numbers"
    collapse: bool = False  # composites as boxes: a network's graph fits the page


EXAMPLES = (
    Example("apple", "Apples and tax (figures 5-14, 5-16): price 220",
            "apple * apple_num * tax", {"apple": "100", "apple_num": "2", "tax": "1.1"}),
    Example("apple-orange", "Apples, oranges and tax (figure 5-17): price 715",
            "(apple * apple_num + orange * orange_num) * tax",
            {"apple": "100", "apple_num": "2", "orange": "150", "orange_num": "3",
             "tax": "1.1"}),
    Example("sigmoid", "The sigmoid node by node (figures 5-19, 5-20)", "sigmoid(x)",
            {"x": "1"}, "both"),
    Example("appendix-a", "Softmax-with-Loss node by node (appendix A, figure A-5)",
            "softmax_with_loss(a, t)", {"a": "0.3,2.9,4.0", "t": "0,0,1"}, "symbols"),
    Example("mazur", "Mazur's network, output neuron o1: ∂E/∂w5 = 0.0822",
            "(target_o1 - sigmoid(w5*out_h1 + w6*out_h2 + b2))**2 / 2",
            {"target_o1": "0.01", "w5": "0.40", "w6": "0.45", "b2": "0.60",
             "out_h1": "0.593269992", "out_h2": "0.596884378"}),
    Example("eshikaku", "The E資格 2-3-2 network: ReLU, softmax, cross entropy",
            "softmax_with_loss(relu(x @ W1 + b1) @ W2 + b2, t)",
            {"x": "1,5", "W1": "0.1,0.3,0.5;0.2,0.4,0.6", "b1": "0.1,0.2,0.3",
             "W2": "0.1,0.4;0.2,0.5;0.3,0.6", "b2": "0.1,0.2", "t": "0,1"}, collapse=True),
    Example("micrograd", "micrograd's neuron: tanh(x1·w1 + x2·w2 + b)",
            "tanh(x1*w1 + x2*w2 + b)",
            {"x1": "2", "w1": "-3", "x2": "0", "w2": "1", "b": "6.8813735870195432"}),
)
