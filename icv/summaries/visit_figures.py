"""Figures from visit reports: visits and coverage, detainees, flags, disproportionality (AG1)
and issues (GN1), each as model.Table for an area (its suite ids, None for London) and period.

Every query starts from the period's visits on the visits_arrived index (arrived_at) and reaches
entries, flags and issues through their visit; tests/test_summary_plans.py checks the plans."""
from .. import codes
from .query import in_area


def entry_groups(db, suite_ids, start, end):
    """[{age_band, gender, ethnicity, seen, strip_search, intimate_search, use_of_force, child}]:
    the detainee entries (people seen) of visits arriving in [start, end), counted by age band,
    gender and ethnicity, with how many of them each flag was raised for."""
    area, params = in_area("v.suite_id", suite_ids)
    return list(db.query(f"""
        SELECT d.age_band, d.gender, d.ethnicity, count(*) AS seen,
          sum(EXISTS (SELECT 1 FROM flags f WHERE f.detainee_entry_id = d.id
                      AND f.kind = 'strip_search')) AS strip_search,
          sum(EXISTS (SELECT 1 FROM flags f WHERE f.detainee_entry_id = d.id
                      AND f.kind = 'intimate_search')) AS intimate_search,
          sum(EXISTS (SELECT 1 FROM flags f WHERE f.detainee_entry_id = d.id
                      AND f.kind = 'use_of_force')) AS use_of_force,
          sum(EXISTS (SELECT 1 FROM flags f WHERE f.detainee_entry_id = d.id
                      AND f.kind = 'child')) AS child
        FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id
        WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL{area}
        GROUP BY d.age_band, d.gender, d.ethnicity""", [start, end, *params]))


def by_ethnic_group(groups, kind):
    """[(5-group name, seen, flagged with `kind`)] in the ONS order, Not stated last."""
    totals = {}
    for g in groups:
        name = codes.ETHNIC_GROUP.get(g["ethnicity"], "Not stated")
        seen, flagged = totals.get(name, (0, 0))
        totals[name] = (seen + g["seen"], flagged + (g[kind] or 0))
    order = ["Asian", "Black", "Mixed", "White", "Other", "Not stated"]
    return [(name, *totals.get(name, (0, 0))) for name in order]


def by_age_band(groups, kind):
    """[(age band label, seen, flagged with `kind`)] in age order, Not known last."""
    totals = {}
    for g in groups:
        seen, flagged = totals.get(g["age_band"], (0, 0))
        totals[g["age_band"]] = (seen + g["seen"], flagged + (g[kind] or 0))
    return [(label, *totals.get(code, (0, 0))) for code, label in codes.AGE_BANDS]


# The sections. Each takes (db, area, period, settings, today) and gives [model.Table].
# (Being written for issue 11: these return nothing yet.)

def headline(db, area, period):
    return []


def coverage_tables(db, area, period, settings, today):
    return []


def detainee_tables(db, area, period, settings, today):
    return []


def flag_tables(db, area, period, settings, today):
    return []


def disproportionality_tables(db, area, period, settings, today):
    return []


def issue_tables(db, area, period, settings, today):
    return []
