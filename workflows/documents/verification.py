"""Public verification of a 聘书: the short code printed on it (and in its QR code) opens
``/verify/<code>``, which says valid, revoked (with the date) or unknown, and nothing about the
person. Codes are random (not derived from the number), so they cannot be enumerated.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import VerificationCode

# no 0/O, 1/I/L: a code typed from paper is read unambiguously
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8

VALID, REVOKED, UNKNOWN = "valid", "revoked", "unknown"


@dataclass(frozen=True)
class Verification:
    state: str                       # valid revoked unknown
    number: str | None = None        # the certificate number printed beside the code
    revoked_on: date | None = None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(code: str) -> str | None:
    """``k7q4-m2xd`` -> ``K7Q4M2XD``; None for anything that cannot be a code."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch not in " -")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_for(session: Session, certificate_id: int | str, now: datetime) -> str:
    """The certificate's code, created on first use (inside the caller's transaction)."""
    key = str(certificate_id)
    code = session.scalar(select(VerificationCode.code).where(VerificationCode.certificate_id == key))
    if code is not None:
        return code
    while True:
        code = new_code()
        if session.scalar(select(VerificationCode.id).where(VerificationCode.code == code)) is None:
            break
    session.add(VerificationCode(code=code, certificate_id=key, created_at=now))
    session.flush()
    return code


def verify_url(code: str, settings=None) -> str:
    """The address printed in the QR code: ``Settings.public_url`` (``PEIDAI_PUBLIC_URL``)."""
    base = (getattr(settings, "public_url", "") or os.environ.get("PEIDAI_PUBLIC_URL")
            or (f"http://127.0.0.1:{settings.port}" if settings else "http://127.0.0.1:5000"))
    return f"{base.rstrip('/')}/verify/{code}"


def verify(session: Session, code: str) -> Verification:
    from .sources import certificate_status

    normalized = normalize(code)
    if normalized is None:
        return Verification(UNKNOWN)
    certificate_id = session.scalar(select(VerificationCode.certificate_id).where(VerificationCode.code == normalized))
    if certificate_id is None:
        return Verification(UNKNOWN)
    status = certificate_status(session, certificate_id)
    return status or Verification(UNKNOWN)
