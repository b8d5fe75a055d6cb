"""The code printed as a QR on a delegate card: the delegate's number and a keyed check, so a USB
scanner typing it identifies the delegate and a made-up number is refused. Pure: no Flask."""

from __future__ import annotations

import hashlib
import hmac
import re

from portal.congress.errors import InvalidInput
from portal.texts import gettext

CARD_PATTERN = re.compile(r"DB(\d{1,9})-([0-9A-F]{8})")


def _check(secret: str, delegate_id: int) -> str:
    digest = hmac.new(secret.encode(), f"congress-card:{delegate_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:8].upper()


def card_code(secret: str, delegate_id: int) -> str:
    """``DB42-1A2B3C4D``: what the delegate card's QR holds."""
    return f"DB{delegate_id}-{_check(secret, delegate_id)}"


def delegate_from_card(secret: str, code: str) -> int:
    """The delegate number a scanned card code stands for; a mistyped or forged code is refused."""
    text = code.strip().upper()
    found = CARD_PATTERN.fullmatch(text)
    if found is None or not hmac.compare_digest(found.group(2), _check(secret, int(found.group(1)))):
        raise InvalidInput(gettext("The delegate card code “%(code)s” is not recognised; scan it again, or if it "
                                   "will not scan, search by name or check in by hand.", code=code.strip()[:40]))
    return int(found.group(1))
