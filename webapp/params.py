"""Numbers from users (URLs, query strings, form fields) read safely: ASCII digits only, within
the range of the column they name, so a hostile value is "not given" or a 404, never an overflow
in the database (a 500 on PostgreSQL, whose INTEGER is 32 bits) or Python's limit on converting
long digit strings.

Record ids are INTEGER columns (1 .. 2**31-1) except the engine's high-volume tables (human tasks,
audit events, outbox), which are BIGINT (1 .. 2**63-1). Routes say which: ``<int:...>`` for an
INTEGER id, ``<bigint:...>`` for a BIGINT one (see :class:`IdConverter`)."""
from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, ValidationError

MAX_INT = 2 ** 31 - 1
MAX_BIGINT = 2 ** 63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def as_int(value, low: int = 0, high: int = MAX_INT) -> int | None:
    """``value`` as an int when it is a whole number (or a string of ASCII digits) in
    ``low..high``; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def as_id(value, high: int = MAX_INT) -> int | None:
    """A record id (1 .. ``high``: an INTEGER id by default) or None."""
    return as_int(value, 1, high)


class IdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits of an INTEGER id (1 .. 2**31-1); anything else does not
    match the route (404)."""

    max_id = MAX_INT
    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", self.max_id)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        number = as_int(value, 1, self.max)
        if number is None:
            raise ValidationError()
        return number


class BigIdConverter(IdConverter):
    """``<bigint:...>``: a BIGINT id (1 .. 2**63-1)."""

    max_id = MAX_BIGINT


CONVERTERS = {"int": IdConverter, "bigint": BigIdConverter}
