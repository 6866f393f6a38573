"""Figures from submitted custody record reviews in a period (by session date): compliance per
care check, detention reviews late or missed, the detention limits, children held overnight,
record quality and grades, and disproportionality as the reviews show it."""


def headline(db, area, period):
    return []


def review_tables(db, area, period, settings, today):
    return []


def disproportionality_tables(db, area, period, settings, today):
    return []
