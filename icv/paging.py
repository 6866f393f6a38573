"""Pages of a long list (My reports, My reviews): `?page=N`, 20 items a page, newest first.

The page number is checked before anything is read: anything but a whole number from 1 is a
400 with a message (never a quiet page 1, so a mistyped bookmark says what is wrong); a page
past the end is a 404 that says how many pages there are. An empty list has one page, page 1.
The links follow the GOV.UK pagination pattern: "Previous page", the page numbers (the first,
the last and those next to the current one, with gaps between), "Next page".
"""
import re
from dataclasses import dataclass
from math import ceil

from flask import abort

PAGE_SIZE = 20
MAX_DIGITS = 6  # page 999,999 at most: a bigger number is not a page anyone was given
NOT_A_PAGE = "The page number must be a whole number from 1, like 2."


def number(text):
    """The page number in `?page=`: 1 when it is absent or empty; ValueError when it is not a
    whole number from 1 (letters, 0, a sign, spaces, more than MAX_DIGITS digits)."""
    if text is None or text == "":
        return 1
    if not re.fullmatch(rf"[1-9][0-9]{{0,{MAX_DIGITS - 1}}}", text):
        raise ValueError(text)
    return int(text)


@dataclass(frozen=True)
class Page:
    """Page `number` of a list of `total` items, `size` a page."""
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self):
        return max(1, ceil(self.total / self.size))

    @property
    def offset(self):
        return (self.number - 1) * self.size

    @property
    def first(self):
        """The position (from 1) of the page's first item."""
        return min(self.offset + 1, self.total)

    @property
    def last(self):
        return min(self.offset + self.size, self.total)

    @property
    def previous(self):
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self):
        return self.number + 1 if self.number < self.pages else None

    def links(self):
        """The page numbers to link, None for a gap: [1, None, 4, 5, 6, None, 10] on page 5."""
        shown = sorted({1, self.pages, *range(max(1, self.number - 1), min(self.pages, self.number + 1) + 1)})
        found = []
        for n in shown:
            if found and n - found[-1] == 2:
                found.append(n - 1)  # a gap of one page shows the page, not "…"
            elif found and n - found[-1] > 2:
                found.append(None)
            found.append(n)
        return found


def choose(text, total, noun, size=PAGE_SIZE):
    """The Page that `?page=text` asks for in a list of `total` `noun`s ("reports"); aborts
    with 400 for a page number that is not one and 404 for a page past the end."""
    try:
        page = Page(number(text), total, size)
    except ValueError:
        abort(400, NOT_A_PAGE)
    if page.number > page.pages:
        abort(404, f"There is no page {page.number:,} of your {noun}: there "
                   f"{'is 1 page' if page.pages == 1 else f'are {page.pages:,} pages'}.")
    return page
