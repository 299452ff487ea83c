"""What the checker says, as data: a code, an English template and the numbers in it.

A report says things in a few places: a row's hint and error, why central differences
stood in, where a backward departs.  Each is a Message: `code` (what kind of thing it
says: "sign", "transpose_missing" ...), `template` (its English with {fields}: gettext's
message id, so viz.check says it in the reader's language) and `fields` (the numbers and
names it mentions, plain data; a field may be a Message itself).  A Message is also a str,
its English text, so `"sign" in row.hint` reads as it always did.  The engine speaks only
English; viz gives a report its language (`message.say(_)` with gettext's `_`).
"""

import string

__all__ = ["Message", "english"]


def english(text):
    """The translator of the engine's own text: English is the message id itself."""
    return text


class Message(str):
    """`Message(code, template, **fields)`: the English text `template.format(**fields)`,
    which keeps its parts."""

    def __new__(cls, code, template, **fields):
        self = super().__new__(cls, template.format(**fields))
        self.code, self.template, self.fields = code, template, fields
        return self

    def say(self, _=english):
        """The text in the language of `_` (a gettext translator), fields included."""
        return _(self.template).format(**{k: v.say(_) if isinstance(v, Message) else v
                                          for k, v in self.fields.items()})

    def to_data(self):
        """Plain data (JSON's types only): {"code", "template", "fields"}."""
        return {"code": self.code, "template": self.template,
                "fields": {k: v.to_data() if isinstance(v, Message) else v
                           for k, v in self.fields.items()}}

    @classmethod
    def from_data(cls, data):
        """The Message of to_data(); a plain string stays a string.  Data from elsewhere
        (another process) is checked: plain {name} fields only, no {x.attribute}."""
        if data is None or isinstance(data, str):
            return data
        template = str(data["template"])
        for _, field, _, _ in string.Formatter().parse(template):
            if field is not None and not field.isidentifier():
                raise ValueError(f"a message's field {field!r} is not a plain name")
        fields = {str(k): cls.from_data(v) if isinstance(v, dict) else
                  v if isinstance(v, (int, float, str)) else str(v)
                  for k, v in data["fields"].items()}
        return cls(str(data["code"]), template, **fields)

    def __reduce__(self):  # a str subclass pickles as its text alone otherwise
        return _rebuild, (self.code, self.template, self.fields)


def _rebuild(code, template, fields):
    return Message(code, template, **fields)
