"""Password rules (a government system's practice) and the shipped common-password list."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .errors import InvalidData

PASSWORD_MIN, PASSWORD_MAX = 10, 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list shipped with the code (``engine/common_passwords.txt``), lower case."""
    path = Path(__file__).with_name("common_passwords.txt")
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line.lower())
    return frozenset(words)


_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t",
                       "+": "t", "8": "b", "9": "g"})


def _variants(password: str) -> tuple[set[str], str, str]:
    low = password.lower()
    deleet = low.translate(_LEET)
    letters = re.sub(r"[^a-z]", "", low)
    digits = re.sub(r"[^0-9]", "", low)
    # the word between a leading and a trailing run of digits and symbols ("p@ssw0rd" in "P@ssw0rd123!")
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", low)
    forms = {low, deleet, core, core.translate(_LEET), re.sub(r"[^a-z0-9]", "", low), re.sub(r"[^a-z0-9]", "", deleet),
             re.sub(r"[^a-z]", "", deleet), re.sub(r"[^a-z]", "", core.translate(_LEET))}
    return forms, letters, digits


def character_classes(password: str) -> int:
    """How many of: upper-case letters, lower-case letters, digits, other characters."""
    upper = any(c.isupper() for c in password)
    lower = any(c.islower() for c in password)
    digit = any(c in "0123456789" for c in password)
    other = any(not (c.isupper() or c.islower() or c in "0123456789") for c in password)
    return upper + lower + digit + other


def password_problems(password: str, username: str = "", display_name: str = "") -> list[str]:
    """What is wrong with ``password`` (empty when acceptable), in Chinese.

    The rules of a government system (GB/T 22239 等保 practice): at least 10 and at most 128
    characters; at least three of upper-case letters, lower-case letters, digits and other
    characters; not containing the user name (either way round) or the person's name; at least 5
    different characters; not a common password, nor one dressed up with capitals, digits or
    symbols (``Password2024!``, ``P@ssw0rd``, ``Aa123456789``)."""
    password = password or ""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(f"密码长度至少 {PASSWORD_MIN} 个字符")
    if len(password) > PASSWORD_MAX:
        problems.append(f"密码长度不能超过 {PASSWORD_MAX} 个字符")
    if character_classes(password) < 3:
        problems.append("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类")
    low = password.lower()
    name = (username or "").strip().lower()
    if len(name) >= 3 and (name in low or name[::-1] in low):
        problems.append("密码不能包含用户名")
    person = (display_name or "").strip().lower()
    if len(person) >= 2 and person != name and person in low:
        problems.append("密码不能包含姓名")
    if password and len(set(password)) < 5:
        problems.append("密码中不同的字符太少")
    common = common_passwords()
    forms, letters, digits = _variants(password)
    if (any(f in common for f in forms if f)
            or (len(letters) >= 4 and letters in common)
            or (len(digits) >= 6 and len(letters) <= 3 and digits in common)):
        problems.append("密码过于常见或容易猜到，请换一个")
    return problems


def check_password_policy(password: str, username: str = "", display_name: str = "") -> None:
    problems = password_problems(password, username, display_name)
    if problems:
        raise InvalidData("；".join(problems), field="password", rules=problems)
