"""What a summary is made of, for every way it leaves: the page, its charts, print, the XLSX
summary sheet and the published edition. Figures modules build Tables; publish.py suppresses
them; charts.py draws them; the views and exports render them. Nothing here reads the database.

A Table is rows of cells under Columns. Its first column is the row label (kind "label").
Count cells are whole numbers (or None: not applicable). When the rows of a table partition
a whole (every detainee seen is in exactly one age band), `total` holds the total row and
publish.py uses it for secondary suppression; `row_total` names a count column that is the sum
of the `row_parts` columns in each row, for the same across a row.
"""
from dataclasses import dataclass, field

# Kinds of cell: how a value is shown, and what suppression does to it.
#   label    the row's name (text)
#   text     words or a date: never suppressed
#   count    a whole number of people or things: suppressed when 1 to (threshold - 1)
#   percent  a share 0-100 (float) worked out from count column `of` (and its base):
#            hidden when that count is suppressed
#   ratio    a ratio (float, e.g. 2.4) from the counts named in `needs`: hidden when any is
#            suppressed, and "not computed" (None with a note) for a group that is too small
#   number   a measure that is not a count of people (median minutes, hours): never suppressed
#   change   a signed difference of a count from an earlier period: hidden when either is
KINDS = ("label", "text", "count", "percent", "ratio", "number", "change")


@dataclass
class Column:
    key: str
    label: str
    kind: str = "count"
    of: str = ""  # percent and change: the count column it is worked out from
    needs: tuple = ()  # ratio: the count columns it is worked out from
    unit: str = ""  # number: "minutes", "hours", "days", shown after the figure


@dataclass
class Chart:
    """A horizontal bar chart of a table: one bar group per row, one bar per series column."""
    series: tuple  # column keys drawn as bars (counts, percents or numbers)
    title: str = ""  # defaults to the table's title
    description: str = ""  # what the chart shows, in words, for screen readers and print
    max_value: float | None = None  # the scale's end (100 for percentages); else the largest bar


@dataclass
class Table:
    key: str  # unique in a summary: "visits_by_suite"; the XLSX summary sheet uses it
    title: str
    columns: list
    rows: list  # [{column key: value}]
    description: str = ""  # one or two sentences under the title: what the figures count
    total: dict | None = None  # the total row, when the rows partition the whole
    row_total: str = ""  # a count column that sums `row_parts` in every row
    row_parts: tuple = ()
    chart: Chart | None = None
    highlight: set = field(default_factory=set)  # {(row index, column key)}: over a threshold
    # What a highlight means, by column key (default: "over threshold"), e.g. "below target".
    highlight_words: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # footnotes shown under the table
    empty: str = "None in this period."  # what to say when there are no rows

    def column(self, key):
        return next(c for c in self.columns if c.key == key)

    def marked(self, row, key):
        """The words for a highlighted cell, or "" if it is not highlighted."""
        if (row, key) not in self.highlight:
            return ""
        return self.highlight_words.get(key, "over threshold")


@dataclass
class Section:
    key: str
    title: str
    tables: list
    intro: str = ""


@dataclass
class Summary:
    """Every figure for one area over one period, compared with two earlier periods."""
    area: object  # periods.Area
    period: object  # periods.Period
    made_at: str  # stored UTC text: when the figures were worked out
    sections: list
    edition: str = "staff"  # "staff" (exact figures, not for publication) or "published"
    complete: bool = True  # False while the period is still running
    settings: dict = field(default_factory=dict)  # the thresholds used, shown on the page

    def tables(self):
        return [t for s in self.sections for t in s.tables]
