"""A report as plain data and back, for a check run in another process (`graphgrad
check` runs the learner's code in a child): JSON's types only (dicts, lists, strings,
numbers, None), never pickle, which would run code when read.

On the way back the verdict is not taken from the data: every row is compared again,
here, from the two arrays it carries (expected and yours) with the tolerances the reader
chooses; a row the other side marked right but whose numbers differ is wrong.  The
rows' hints and the report's words come back as they were said (Messages).
"""
import numpy as np

from autograd.check.compare import compare
from autograd.check.message import Message
from autograd.check.report import ATOL, RTOL, Report, Row

__all__ = ["report_from_data", "report_to_data"]


def report_to_data(report):
    """The report (a check_layer's or check_gradients'; not a network's) as plain data."""
    if hasattr(report, "layers"):
        raise TypeError("report_to_data: a NetworkReport is not sent as data")
    return {
        "title": str(report.title), "method": str(report.method),
        "reason": _message(report.reason), "error": _message(report.error),
        "localisation": _message(report.localisation),
        "input_names": [str(n) for n in report.input_names],
        "dout": _array(report.dout), "rtol": float(report.rtol), "atol": float(report.atol),
        "rows": [{"name": str(r.name), "expected": _array(r.expected),
                  "actual": _array(r.actual), "hint": _message(r.hint),
                  "error": _message(r.error), "reached": bool(r.reached)}
                 for r in report.rows]}


def report_from_data(data, rtol=RTOL, atol=ATOL):
    """A Report from report_to_data's data, every row compared again with `rtol`,
    `atol`.  Raises ValueError on data of another shape."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValueError("not a report's data")
    rows = [_row(r, rtol, atol) for r in data["rows"]]
    report = Report(_text(data, "title"), rows, _text(data, "method"),
                    reason=_read_message(data.get("reason")),
                    error=_read_message(data.get("error")),
                    dout=_read_array(data.get("dout")), rtol=rtol, atol=atol)
    report.localisation = _read_message(data.get("localisation"))
    report.input_names = [str(n) for n in data.get("input_names") or []]
    return report


def _row(data, rtol, atol):
    if not isinstance(data, dict):
        raise ValueError("a row is not a dict")
    name, reached = _text(data, "name"), data.get("reached") is not False
    expected, actual = _read_array(data.get("expected")), _read_array(data.get("actual"))
    hint, error = _read_message(data.get("hint")), _read_message(data.get("error"))
    if expected is None or actual is None or error is not None or not reached:
        return Row(name, False, expected, actual, hint=hint, error=error, reached=reached)
    again = compare(name, expected, actual, rtol, atol)  # the verdict, from the numbers
    return Row(name, again.ok, again.expected, again.actual, again.max_abs, again.max_rel,
               hint=None if again.ok else hint or again.hint)


def _text(data, key):
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def _array(x):
    """An array (or a number) as {"shape", "values"}; what is not numbers as its type's
    name, so that the reader knows yours was given but is no array."""
    if x is None:
        return None
    try:
        a = np.asarray(x, dtype=np.float64)
    except Exception:  # a string, a ragged list: given, but not numbers
        return {"not_numbers": type(x).__name__}
    return {"shape": list(a.shape), "values": a.reshape(-1).tolist()}


def _read_array(data):
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("an array is not a dict")
    if "not_numbers" in data:
        return str(data["not_numbers"])  # compared again: "a str, not an array"
    shape = [int(n) for n in data["shape"]]
    return np.asarray(data["values"], dtype=np.float64).reshape(shape)


def _message(m):
    return m.to_data() if isinstance(m, Message) else (None if m is None else str(m))


def _read_message(data):
    if data is None or isinstance(data, str):
        return data
    if not isinstance(data, dict) or not isinstance(data.get("template"), str) or \
            not isinstance(data.get("fields"), dict):
        raise ValueError("a message is not a message's data")
    return Message.from_data(data)
