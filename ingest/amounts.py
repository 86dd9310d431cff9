"""Amounts as printed (万元, thousands separators) → exact Decimal."""

from __future__ import annotations

import re
from decimal import Decimal

_AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
MAX_SCALE = 4  # the raw tables store DECIMAL(20, 4); more digits would be rounded on load
MAX_INTEGER_DIGITS = 16  # and 16 before the point: a longer amount would not load


def is_amount(text: str | None) -> bool:
    return text is not None and _AMOUNT.match(text.strip().replace(" ", "")) is not None


def as_printed(reading: str) -> str:
    """A reading with the thousands separators read as points put back as commas: of an amount's
    points only the last can be its decimal point (21.833.00 is 21,833.00); and with its decimal
    point read as a comma put back, where a reading has no point and its last comma has two digits
    after it, which no thousands comma has (2,341,13 is 2,341.13). Any other reading stays as it
    is."""
    if "." not in reading and re.search(r",\d\d$", reading):
        point = f"{reading[:-3]}.{reading[-2:]}"
        return point if is_amount(point) else reading
    if reading.count(".") < 2:
        return reading
    head, _, decimals = reading.rpartition(".")
    commas = f"{head.replace('.', ',')}.{decimals}"
    return commas if is_amount(commas) else reading


def parse_amount(text: str) -> Decimal:
    """Parse '364,607.20' → Decimal('364607.20'); raise ValueError on anything else."""
    cleaned = text.strip().replace(" ", "")
    if not _AMOUNT.match(cleaned):
        raise ValueError(f"not an amount: {text!r}")
    value = Decimal(cleaned.replace(",", ""))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_SCALE:
        raise ValueError(f"amount {text!r} has more than {MAX_SCALE} decimals")
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"amount {text!r} has more than {MAX_INTEGER_DIGITS} digits before the point")
    return value


def parse_optional_amount(text: str | None) -> Decimal | None:
    """A blank cell is None (not zero); anything else must be an amount."""
    if text is None or not text.strip():
        return None
    return parse_amount(text)
