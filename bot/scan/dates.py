"""Locale dates without a zone: the day/month order of a file, and 12- or 24-hour clocks.

`12/01/23` is the 12th of January in London and the 1st of December in New York, and the
export does not say which. Each file is decided once from all of its dates: a first field over
12 means day-first, a second field over 12 means month-first; when no date settles it, the
order under which the dates run forwards in time wins (exports are chronological), and a tie
goes to month-first only for the US phone style (two-digit year, upper-case AM/PM), else
day-first, the order most of the world writes.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

NUMERIC_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}"
"""A numeric date in any of the orders exports use; fields are split by `split_date`."""

CLOCK = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \u202f\u00a0]?[AaPp]\.?[ \u202f\u00a0]?[Mm]\.?)?"
"""A time of day, 12- or 24-hour; newer Android exports put U+202F before AM/PM."""

_DATE_SPLIT = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{2,4})")
_CLOCK_SPLIT = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?")


class DateOrder(enum.Enum):
    """Which field of a numeric date is the day."""

    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"
    YEAR_FIRST = "year-first"


def split_date(text: str) -> tuple[int, int, int, bool]:
    """The three numeric fields of a date and whether the first is a four-digit year."""
    m = _DATE_SPLIT.fullmatch(text)
    if m is None:
        raise ValueError(f"not a date: {text!r}")
    a, b, c = m.group(1, 2, 3)
    return int(a), int(b), int(c), len(a) == 4


def _full_year(year: int) -> int:
    return year + 2000 if year < 100 else year


@dataclass
class DateOrderVote:
    """Evidence about one file's date order, gathered date by date."""

    day_first_line: int | None = None
    month_first_line: int | None = None
    year_first: bool = False
    _us_style: int = 0
    _seen: int = 0
    _prev: dict[DateOrder, tuple[int, int, int]] = field(default_factory=dict)
    _backwards: dict[DateOrder, int] = field(
        default_factory=lambda: {DateOrder.DAY_FIRST: 0, DateOrder.MONTH_FIRST: 0}
    )

    def settled_by(self) -> str:
        """Why the order is what it is, for error messages."""
        line = self.day_first_line or self.month_first_line
        if self.year_first:
            return "dates are year-first"
        if line is not None:
            return f"order settled by line {line}"
        return "order guessed: no date settles it"

    @property
    def decided(self) -> bool:
        """True once a date has settled the order (later dates cannot change it)."""
        return (
            self.year_first
            or (self.day_first_line is not None)
            or (self.month_first_line is not None)
        )

    def add(self, text: str, line: int, clock: str = "") -> None:
        """Count one date string (and optionally its clock), found at `line`."""
        a, b, c, year_first = split_date(text)
        if year_first:
            self.year_first = True
            return
        self._seen += 1
        if c < 100 and ("AM" in clock or "PM" in clock):
            self._us_style += 1
        if a > 12 and self.day_first_line is None:
            self.day_first_line = line
        if b > 12 and self.month_first_line is None:
            self.month_first_line = line
        year = _full_year(c)
        readings = ((DateOrder.DAY_FIRST, (year, b, a)), (DateOrder.MONTH_FIRST, (year, a, b)))
        for order, ymd in readings:
            prev = self._prev.get(order)
            if prev is not None and ymd < prev:
                self._backwards[order] += 1
            self._prev[order] = ymd

    def resolve(self) -> DateOrder:
        """The order to read this file with (a later date that contradicts it fails to parse)."""
        if self.year_first:
            return DateOrder.YEAR_FIRST
        if self.day_first_line is not None:
            return DateOrder.DAY_FIRST
        if self.month_first_line is not None:
            return DateOrder.MONTH_FIRST
        month_back = self._backwards[DateOrder.MONTH_FIRST]
        day_back = self._backwards[DateOrder.DAY_FIRST]
        if month_back < day_back:
            return DateOrder.MONTH_FIRST
        if month_back == day_back and self._seen and self._us_style * 2 > self._seen:
            return DateOrder.MONTH_FIRST
        return DateOrder.DAY_FIRST


def parse_date(text: str, order: DateOrder) -> tuple[int, int, int]:
    """(year, month, day) of a numeric date read in `order`; ValueError when impossible."""
    a, b, c, year_first = split_date(text)
    if order is DateOrder.YEAR_FIRST or year_first:
        year, month, day = a, b, c
    elif order is DateOrder.DAY_FIRST:
        year, month, day = _full_year(c), b, a
    else:
        year, month, day = _full_year(c), a, b
    datetime(year, month, day)  # validates, raising ValueError
    return year, month, day


def parse_clock(text: str) -> tuple[int, int, int]:
    """(hour, minute, second) of a 12- or 24-hour time; ValueError when impossible."""
    m = _CLOCK_SPLIT.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a time: {text!r}")
    hour, minute = int(m.group(1)), int(m.group(2))
    second = int(m.group(3) or 0)
    meridiem = m.group(4)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} on a 12-hour clock")
        hour = hour % 12 + (12 if meridiem in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"not a time: {text!r}")
    return hour, minute, second


def utc_datetime(ymd: tuple[int, int, int], hms: tuple[int, int, int]) -> datetime:
    """A UTC datetime from parsed date and clock parts."""
    return datetime(*ymd, *hms, tzinfo=UTC)
