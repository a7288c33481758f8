"""HSDS records as the Assets contract's text: address, sector and opening hours.

Used by :mod:`assetmap.readers.hsds`; each function takes one record (a dict of a table
row) and returns the text an asset shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assetmap.domains import is_taxonomy_code
from assetmap.readers._hsds_tables import Record

__all__ = ["address_text", "hours_text", "sector_of", "term_label", "term_name", "term_type"]

_SECTOR_WORDS = (
    (("relig", "church", "faith", "mosque", "synagogue", "congregation"), "faith"),
    (("non-profit", "nonprofit", "not-for-profit", "not for profit", "501", "charit"), "cbo"),
    (("government", "municipal", "county", "public agency", "city agency"), "government"),
    (("company", "llc", "for-profit", "corporation", "inc"), "business"),
)
_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
#: 2.x ``weekday`` as a number (1 = Monday, ISO 8601) or a name.
_WEEKDAYS = {str(i + 1): d for i, d in enumerate(_DAYS.values())}


def address_text(rec: Record | None) -> str:
    """Return an HSDS address row as one line: street, city, state and postal code.

    Examples
    --------
    >>> address_text({"address_1": "1 Main St", "city": "Bronx", "state_province": "NY",
    ...               "postal_code": "10451"})
    '1 Main St, Bronx, NY 10451'
    """
    if not rec:
        return ""
    street = " ".join(x for x in (rec.get("address_1", ""), rec.get("address_2", "")) if x)
    state = " ".join(x for x in (rec.get("state_province", ""), rec.get("postal_code", "")) if x)
    return ", ".join(x for x in (street, rec.get("city", ""), state) if x)


def sector_of(legal_status: str) -> str:
    """Return the sector an organization's ``legal_status`` names (``other`` when none).

    Examples
    --------
    >>> sector_of("Nonprofit 501(c)(3)"), sector_of("County agency"), sector_of("")
    ('cbo', 'government', 'other')
    """
    text = legal_status.lower()
    for words, sector in _SECTOR_WORDS:
        if any(re.search(rf"\b{re.escape(w)}", text) for w in words):
            return sector
    return "other"


def hours_text(schedules: list[Record]) -> str:
    """Return schedules as one line; days sharing the same hours are listed together.

    Examples
    --------
    >>> hours_text([{"byday": "MO,TU", "opens_at": "09:00:00", "closes_at": "17:00:00"},
    ...             {"byday": "WE", "opens_at": "09:00", "closes_at": "17:00"}])
    'Mon, Tue, Wed 09:00-17:00'
    """
    parts: list[tuple[list[str], str]] = []
    for s in schedules:
        if s.get("description"):
            parts.append(([], str(s["description"])))
            continue
        days, times = _days(s), _times(s)
        if not days and not times:
            continue
        same = next((p for p in parts if p[0] and p[1] == times), None)
        if same is not None and days:
            same[0].extend(d for d in days if d not in same[0])
        else:
            parts.append((days, times))
    return "; ".join(" ".join(x for x in (", ".join(d), t) if x) for d, t in parts)


def _days(s: Record) -> list[str]:
    """Return the days of a schedule.

    From 3.x ``byday`` (RFC 5545: ``MO``, ``1MO``, ``-1FR``) or 2.x ``weekday`` (1 =
    Monday, or a name).
    """
    out = []
    for d in _split(s.get("byday")):
        m = re.fullmatch(r"([+-]?\d{1,2})?([A-Za-z]{2,})", d.strip())
        if m is None:
            out.append(d.strip())
            continue
        n, day = m.groups()
        name = _DAYS.get(day[:2].upper(), day)
        out.append(name if not n else f"{_ordinal(int(n))} {name}")
    if out:
        return out
    weekday = str(s.get("weekday", "")).strip()
    if weekday:
        return [_WEEKDAYS.get(weekday) or _DAYS.get(weekday[:2].upper(), weekday)]
    return []


def _ordinal(n: int) -> str:
    if n < 0:
        return "last" if n == -1 else f"{-n}th from last"
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _times(s: Record) -> str:
    opens, closes = (_hhmm(s.get(k, "")) for k in ("opens_at", "closes_at"))
    return f"{opens}-{closes}" if opens and closes else opens or closes


def _hhmm(value: object) -> str:
    """``10:00:00`` -> ``10:00`` (seconds of opening times are always zero)."""
    text = str(value or "").strip()
    return text[:5] if re.fullmatch(r"\d\d:\d\d:00", text) else text


def _split(value: object) -> Iterator[str]:
    return (v for v in str(value or "").split(",") if v.strip())


def term_name(term: Record) -> str:
    """Return a taxonomy term's name (2.x ``term``)."""
    return str(term.get("name") or term.get("term") or "")


def term_type(term: Record) -> str:
    """Return the service type a term gives: its code (``BD-1800.2000``), else its name."""
    code = str(term.get("code") or (term["id"] if is_taxonomy_code(term.get("id")) else ""))
    return code.upper() if is_taxonomy_code(code.upper()) else (code or term_name(term))


def term_label(term: Record) -> str:
    """``BD-1800.2000 Food Pantries``: the code (or a code-like 2.x id) and the name."""
    code = term.get("code") or (term["id"] if is_taxonomy_code(term.get("id")) else "")
    return " ".join(x for x in (code, term_name(term)) if x)
