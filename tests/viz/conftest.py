"""The hostile-text table: strings that tried to break out of DOT, HTML or the player's
script (issue 11), for the tests of viz.dot and viz.html to pass through node names,
titles and captions."""
import pytest

from autograd import Value

PWN = "document.body.setAttribute('data-pwned','yes')"
PAYLOADS = [
    "{{FRAMES_JSON}}",  # a template slot: substituted again by chained str.replace
    "{{TITLE}}",
    f'x" onfocus={PWN} autofocus x="',  # out of a double-quoted attribute
    f"x' onmouseover='{PWN}'",  # out of a single-quoted one
    f"x onfocus={PWN} autofocus",  # into an unquoted one
    "<!--<script>",  # changes how a <script> element's content is read
    f"</script><script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    '"',
    "a & b &amp; &lt; &#60;",
    "line 1\nline 2\r\nline 3",
    "ctl \x00\x01\x07\x1b\x7f end",
    "bidi \u202eexp\u202c \u2066rtl\u2069 \u200f \x85 \x9b end",  # reorders, C1
    "\\N \\G \\L back\\",  # DOT escString substitutions, a final backslash
    "<x> evil [shape=box label=<EVIL>]",  # a title read as an HTML label: a new node
    "<x> evil [shape=box label=<EVIL>",
    ']; evil [shape=box]; x [label="',
    "\u2028 \u2029 ]]> -->",
]


def _ids(p):
    return repr(p)[1:30]


@pytest.fixture(params=PAYLOADS, ids=[_ids(p) for p in PAYLOADS])
def payload(request):
    return request.param


@pytest.fixture
def payloads():
    return list(PAYLOADS)


@pytest.fixture
def payload_graph():
    """named(leaf, weight, product, output) -> a small graph with those node names:
    out = (leaf × weight + 1).exp(), the intermediate product named too."""
    def make(leaf="x", weight="w", product="p", output="y"):
        x, w = Value(0.5, name=leaf), Value(-2.0, name=weight)
        p = x * w
        p.name = product
        y = (p + 1).exp()
        y.name = output
        y.backward()
        return y
    return make
