"""`graphgrad tour`: the book's apple-and-orange shopping graph (figure 5-17), built from
Values, with every gradient."""
from autograd import Value


def apple_orange():
    """Figure 5-17: 2 apples at 100, 3 oranges at 150, 10% tax."""
    apple, apple_num = Value(100.0, name="apple"), Value(2.0, name="apple_num")
    orange, orange_num = Value(150.0, name="orange"), Value(3.0, name="orange_num")
    tax = Value(1.1, name="tax")
    apple_price = apple * apple_num
    orange_price = orange * orange_num
    all_price = apple_price + orange_price
    price = all_price * tax
    apple_price.name, orange_price.name, all_price.name = "apple_price", "orange_price", \
        "all_price"
    price.name = "price"
    price.backward()
    return price, [apple, apple_num, orange, orange_num, tax, apple_price, orange_price,
                   all_price]


def run_tour(args):
    price, nodes = apple_orange()
    print(f"price: {price.data:g}")
    for n in nodes:
        print(f"  d price / d {n.name:<13} = {n.grad:g}")
    return 0
