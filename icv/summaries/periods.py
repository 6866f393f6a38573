"""The periods and areas a summary covers: a London month, quarter or calendar year, and London,
a panel or a suite. Pure, apart from area_from_key, which asks icv/suites.py for names."""
import re
from dataclasses import dataclass
from datetime import date, time

from .. import suites
from ..times import london_to_utc, to_iso

KINDS = ("month", "quarter", "year")
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """A London month (number 1-12), quarter (1-4: January to March is 1) or year (number 1)."""
    kind: str
    year: int
    number: int = 1

    @classmethod
    def parse(cls, text):
        """The period of '2026-11', '2026-Q4' or '2026'; None if the text names none."""
        text = (text or "").strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            found = cls("month", int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            found = cls("quarter", int(m[1]), int(m[2]))
        elif re.fullmatch(r"\d{4}", text):
            found = cls("year", int(text))
        else:
            found = None
        return found if found and FIRST_YEAR <= found.year <= LAST_YEAR else None

    @classmethod
    def month_of(cls, day):
        return cls("month", day.year, day.month)

    @property
    def key(self):
        """'2026-11', '2026-Q4' or '2026': the period in addresses and file names."""
        return {"month": f"{self.year}-{self.number:02d}", "quarter": f"{self.year}-Q{self.number}",
                "year": f"{self.year}"}[self.kind]

    @property
    def months(self):
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def first_month(self):
        return {"month": self.number, "quarter": 3 * self.number - 2, "year": 1}[self.kind]

    @property
    def label(self):
        """'November 2026', 'October to December 2026' or '2026'."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.number - 1]} {self.year}"
        if self.kind == "quarter":
            first = self.first_month
            return f"{MONTH_NAMES[first - 1]} to {MONTH_NAMES[first + 1]} {self.year}"
        return str(self.year)

    @property
    def first_day(self):
        return date(self.year, self.first_month, 1)

    @property
    def end_day(self):
        """The London day after the period's last."""
        month = self.first_month - 1 + self.months
        return date(self.year + month // 12, month % 12 + 1, 1)

    @property
    def days(self):
        return (self.end_day - self.first_day).days

    def bounds(self):
        """Stored-UTC text bounds [start, end): London midnight to London midnight, so a period
        that crosses a clock change is an hour shorter or longer than its days times 24."""
        return (to_iso(london_to_utc(self.first_day, time(0, 0))),
                to_iso(london_to_utc(self.end_day, time(0, 0))))

    def shifted(self, months):
        """The period of the same kind `months` months later (earlier if negative)."""
        index = self.year * 12 + self.first_month - 1 + months
        year, first = index // 12, index % 12 + 1
        number = {"month": first, "quarter": (first + 2) // 3, "year": 1}[self.kind]
        return Period(self.kind, year, number)

    def previous(self):
        return self.shifted(-self.months)

    def year_earlier(self):
        return self.shifted(-12)

    def has_ended(self, today):
        return today >= self.end_day

    def has_begun(self, today):
        return today >= self.first_day


def period_choices(today, years_back=5):
    """[(group label, [(key, label)])] for the period picker: months, quarters and years that
    have begun, newest first, back `years_back` years."""
    months, quarters, years = [], [], []
    current = Period.month_of(today)
    for back in range(12 * years_back):
        p = current.shifted(-back)
        months.append((p.key, p.label))
        if p.kind == "month" and p.number in (1, 4, 7, 10) or back == 0:
            q = Period("quarter", p.year, (p.number + 2) // 3)
            if (q.key, q.label) not in quarters:
                quarters.append((q.key, q.label))
    years = [(str(y), str(y)) for y in range(today.year, today.year - years_back, -1)]
    return [("Months", months), ("Quarters", quarters), ("Years", years)]


@dataclass(frozen=True)
class Area:
    """London (every suite), one panel's suites, or one suite."""
    kind: str  # "london", "panel" or "suite"
    id: int | None
    name: str
    suite_ids: tuple | None  # the suites it covers; None for London (every suite, even new ones)

    @property
    def key(self):
        return "london" if self.kind == "london" else f"{self.kind}-{self.id}"

    @property
    def label(self):
        return {"london": "London", "panel": f"{self.name} panel", "suite": self.name}[self.kind]


def area_from_key(db, key):
    """The area of 'london', 'panel-3' or 'suite-5'; None if there is no such panel or suite."""
    key = (key or "").strip()
    if key == "london":
        return Area("london", None, "London", None)
    m = re.fullmatch(r"(panel|suite)-(\d{1,9})", key)
    if not m:
        return None
    if m[1] == "panel":
        panel = suites.get_panel(db, int(m[2]))
        return panel and Area("panel", panel["id"], panel["name"],
                              tuple(suites.in_panel(db, panel["id"])))
    suite = suites.get_suite(db, int(m[2]))
    return suite and Area("suite", suite["id"], suite["name"], (suite["id"],))


def area_choices(db):
    """[(group label, [(key, label)])] for the area picker."""
    return [("Whole scheme", [("london", "London")]),
            ("Panels", [(f"panel-{i}", f"{name} panel") for i, name in suites.all_panels(db)]),
            ("Suites", [(f"suite-{i}", name) for i, name in suites.all_suites(db)])]
