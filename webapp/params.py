"""Numbers typed by users (query strings, form fields) read safely: ASCII digits only, within a
range, so a hostile value is "not given" or a 404, never an overflow in the database (500)."""
from __future__ import annotations

import re

MAX_ID = 2 ** 63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def as_int(value, low: int = 0, high: int = MAX_ID) -> int | None:
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


def as_id(value) -> int | None:
    """A record id (1 .. 2**63-1) or None."""
    return as_int(value, 1, MAX_ID)
