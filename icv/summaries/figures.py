"""One summary: every figure for an area over a period, in sections, compared with the previous
period and the same period a year earlier. The figures modules work out each section; this one
puts them together, with the thresholds they used."""
from . import escalation_figures, flag_figures, review_figures, visit_figures
from .model import Column, Section, Summary, Table

# Summary settings (instance config SUMMARY_SETTINGS changes them by name; checked at start).
DEFAULTS = {
    "suppress_below": 5,  # published counts from 1 to this - 1 are shown as "<5"
    "ratio_min_group": 10,  # no ratio for a group with fewer seen than this
    "reference_group": "White",  # the group each ethnic group's rate is compared with
}


def settings_from(overrides=None):
    """DEFAULTS with an installation's SUMMARY_SETTINGS; an unknown name or a wrong kind of
    value stops the app at start."""
    overrides = dict(overrides or {})
    unknown = overrides.keys() - DEFAULTS.keys()
    if unknown:
        raise ValueError(f"SUMMARY_SETTINGS has unknown names: {', '.join(sorted(unknown))}")
    for name, value in overrides.items():
        if isinstance(DEFAULTS[name], int) and (isinstance(value, bool) or not isinstance(value, int)
                                                or value < 1):
            raise ValueError(f"SUMMARY_SETTINGS {name} must be a whole number of 1 or more, "
                             f"not {value!r}")
        if isinstance(DEFAULTS[name], str) and not isinstance(value, str):
            raise ValueError(f"SUMMARY_SETTINGS {name} must be text, not {value!r}")
    return {**DEFAULTS, **overrides}


def headline(db, area, period):
    """[(key, label, count)]: the figures compared across periods."""
    return (visit_figures.headline(db, area, period) + review_figures.headline(db, area, period)
            + escalation_figures.headline(db, area, period))


def comparison(db, area, period):
    """The headline figures for this period, the one before and the same one a year earlier,
    with the change from each."""
    previous, year_earlier = period.previous(), period.year_earlier()
    now = headline(db, area, period)
    before = {key: value for key, _, value in headline(db, area, previous)}
    last_year = {key: value for key, _, value in headline(db, area, year_earlier)}
    rows = []
    for key, label, value in now:
        rows.append({"figure": label, "now": value, "previous": before.get(key),
                     "previous_change": change(value, before.get(key)),
                     "year_earlier": last_year.get(key),
                     "year_change": change(value, last_year.get(key))})
    columns = [
        Column("figure", "Figure", "label"),
        Column("now", period.label),
        Column("previous", previous.label),
        Column("previous_change", f"Change from {previous.label}", "change",
               needs=("now", "previous")),
        Column("year_earlier", year_earlier.label),
        Column("year_change", f"Change from {year_earlier.label}", "change",
               needs=("now", "year_earlier")),
    ]
    return Table("comparison", "Compared with earlier periods", columns, rows,
                 description=f"{period.label} against {previous.label} and against "
                             f"{year_earlier.label}.")


def change(now, before):
    return None if now is None or before is None else now - before


def build_summary(db, area, period, settings, today, made_at):
    """The staff edition of the summary: exact figures, not for publication."""
    args = (db, area, period, settings, today)
    sections = [
        Section("comparison", "Compared with earlier periods", [comparison(db, area, period)]),
        Section("visits", "Visits and coverage", visit_figures.coverage_tables(*args)),
        Section("detainees", "Detainees", visit_figures.detainee_tables(*args)),
        Section("flags", "Strip searches, use of force and children",
                flag_figures.flag_tables(*args)),
        Section("disproportionality", "Disproportionality",
                visit_figures.disproportionality_tables(*args)
                + review_figures.disproportionality_tables(*args)),
        Section("reviews", "Custody record reviews", review_figures.review_tables(*args)),
        Section("escalations", "Escalations", escalation_figures.escalation_tables(*args)),
        Section("issues", "Issues raised at visits", visit_figures.issue_tables(*args)),
    ]
    return Summary(area, period, made_at, sections, edition="staff",
                   complete=period.has_ended(today), settings=dict(settings))
