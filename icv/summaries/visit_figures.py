"""Figures from visit reports: visits and coverage, detainees, flags, disproportionality (AG1)
and issues (GN1), each as model.Table for an area (its suite ids, None for London) and period.

Every query starts from the period's visits on the visits_arrived index (arrived_at) and reaches
entries, flags and issues through their visit; tests/test_summary_plans.py checks the plans."""
from datetime import datetime, timedelta

from .. import codes, suites
from ..times import LONDON
from ..visits.questions import ISSUE_CATEGORIES, NOT_SEEN_REASONS, OUTCOME_COUNTS
from .disproportion import table
from .model import Chart, Column, Table
from .query import in_area, median, percent


# Each flag kind as a bit, so one look-up per entry (on the flags autoindex, detainee entry id
# and kind) tells every flag raised on it.
FLAG_BITS = {"strip_search": 1, "intimate_search": 2, "use_of_force": 4, "child": 8}
FLAG_MASK = ("(SELECT coalesce(sum(CASE f.kind "
             + " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in FLAG_BITS.items())
             + " END), 0) FROM flags f WHERE f.detainee_entry_id = d.id)")


def entry_groups(db, suite_ids, start, end, flags=True):
    """[{age_band, gender, ethnicity, seen, strip_search, intimate_search, use_of_force, child}]:
    the detainee entries (people seen) of visits arriving in [start, end), counted by age band,
    gender and ethnicity, with how many of them each flag was raised for (flags=False: counts
    of 0, without looking the flags up)."""
    area, params = in_area("v.suite_id", suite_ids)
    mask = FLAG_MASK if flags else "0"
    found = {}
    for r in db.query(f"""
            SELECT d.age_band, d.gender, d.ethnicity, {mask} AS mask, count(*) AS n
            FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id
            WHERE v.arrived_at >= ? AND v.arrived_at < ? AND d.removed_at IS NULL{area}
            GROUP BY d.age_band, d.gender, d.ethnicity, mask""", [start, end, *params]):
        group = found.setdefault((r["age_band"], r["gender"], r["ethnicity"]), {
            "age_band": r["age_band"], "gender": r["gender"], "ethnicity": r["ethnicity"],
            "seen": 0, **{kind: 0 for kind in FLAG_BITS}})
        group["seen"] += r["n"]
        for kind, bit in FLAG_BITS.items():
            group[kind] += r["n"] if r["mask"] & bit else 0
    return list(found.values())


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


# The sections. Each takes (db, area, period, settings, today) and gives [model.Table]; headline
# gives the counts figures.py compares with earlier periods.

DAYS_OF_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Parts of the day by the London clock at arrival: hour // 6 is the index.
PARTS_OF_DAY = ["Night (00:00 to 05:59)", "Morning (06:00 to 11:59)",
                "Afternoon (12:00 to 17:59)", "Evening (18:00 to 23:59)"]
CHILD_BANDS = ", ".join(f"'{band}'" for band in sorted(codes.CHILD_AGE_BANDS))
# An entry is a child's when its age band is under 18 or the child flag was raised on it.
CHILD = (f"(d.age_band IN ({CHILD_BANDS}) OR EXISTS (SELECT 1 FROM flags c "
         f"WHERE c.detainee_entry_id = d.id AND c.kind = 'child'))")
ENTRIES = "FROM visits v CROSS JOIN detainee_entries d ON d.visit_id = v.id"


def period_visits(area, period):
    """(SQL condition, params) on visits `v`: arrived in the period, at one of the area's suites."""
    start, end = period.bounds()
    in_suites, params = in_area("v.suite_id", area.suite_ids)
    return f"v.arrived_at >= ? AND v.arrived_at < ?{in_suites}", [start, end, *params]


def sums(db, expressions, from_sql, where, params):
    """{name: count of rows where the SQL expression is true} in one query."""
    columns = ",\n  ".join(f"coalesce(sum({expr}), 0) AS {name}" for name, expr in expressions.items())
    return next(db.query(f"SELECT {columns}\n{from_sql}\nWHERE {where}", params))


def london_arrival(text):
    """The London time of a stored UTC text (fromisoformat: quick enough for a year's visits)."""
    return datetime.fromisoformat(text).astimezone(LONDON)


def share_table(key, title, parts, *, count_label, description, chart=False, notes=(),
                group_label="", empty="None in this period."):
    """A Table of a whole split into parts: [(label, count)] with each part's share and the
    total row (so the published edition can suppress a second cell where it must)."""
    total = sum(count for _, count in parts)
    rows = [{"group": label, "count": count, "share": percent(count, total)}
            for label, count in parts]
    columns = [Column("group", group_label or "Group", "label"), Column("count", count_label),
               Column("share", "Share (%)", "percent", of="count")]
    return Table(key, title, columns, rows, description=description,
                 total={"group": "Total", "count": total, "share": 100.0 if total else None},
                 chart=Chart(series=("count",), description=description) if chart else None,
                 notes=list(notes), empty=empty)


# Headline ------------------------------------------------------------------------------------

def headline(db, area, period):
    """[(key, label, count)]: the visit figures compared with earlier periods, in two queries."""
    where, params = period_visits(area, period)
    visits = sums(db, {
        "visits": "1", "single": "v.partner_id IS NULL", "in_custody": "v.in_custody",
        "spoke_with": "v.spoke_with",
        "issues": "(SELECT count(*) FROM visit_issues i WHERE i.visit_id = v.id)",
    }, "FROM visits v", where, params)
    seen = {"seen": 0, "strip_searches": 0, "child_strip_searches": 0, "uses_of_force": 0,
            "children_flagged": 0}
    for r in db.query(f"""
            SELECT d.age_band IN ({CHILD_BANDS}) AS child_band, {FLAG_MASK} AS mask, count(*) AS n
            {ENTRIES} WHERE {where} AND d.removed_at IS NULL GROUP BY child_band, mask""", params):
        flagged = {kind for kind, bit in FLAG_BITS.items() if r["mask"] & bit}
        seen["seen"] += r["n"]
        seen["strip_searches"] += r["n"] if "strip_search" in flagged else 0
        seen["child_strip_searches"] += (r["n"] if "strip_search" in flagged
                                         and (r["child_band"] or "child" in flagged) else 0)
        seen["uses_of_force"] += r["n"] if "use_of_force" in flagged else 0
        seen["children_flagged"] += r["n"] if "child" in flagged else 0
    return [
        ("visits", "Visits", visits["visits"]),
        ("single_visitor_visits", "Single-visitor visits", visits["single"]),
        ("in_custody", "Detainees in custody at the time of visits", visits["in_custody"]),
        ("spoke_with", "Detainees spoken with", visits["spoke_with"]),
        ("detainees_seen", "Detainees seen (entries recorded)", seen["seen"]),
        ("strip_searches", "Strip searches", seen["strip_searches"]),
        ("child_strip_searches", "Strip searches of children", seen["child_strip_searches"]),
        ("uses_of_force", "Uses of force", seen["uses_of_force"]),
        ("children_flagged", "Children flagged", seen["children_flagged"]),
        ("issues", "Issues raised", visits["issues"]),
    ]


# Visits and coverage -------------------------------------------------------------------------

def coverage_tables(db, area, period, settings, today):
    """Visits by suite against the AG2 target, suites not visited, visits by day of the week
    and part of the day (London time of arrival), admission delays and single-visitor visits."""
    where, params = period_visits(area, period)
    visits = list(db.query(f"""
        SELECT v.suite_id, v.arrived_at, v.admitted_at, v.partner_id IS NULL AS single
        FROM visits v WHERE {where}""", params))
    suites_found = suite_figures(db, area, period, settings, today, visits)
    arrivals = [london_arrival(v["arrived_at"]) for v in visits]
    return [suite_table(suites_found, period, settings),
            not_visited_table(suites_found, settings),
            day_of_week_table(arrivals),
            part_of_day_table(arrivals),
            admission_table(visits, settings)]


def suite_figures(db, area, period, settings, today, visits):
    """One dict per suite to report (by name): every suite of the area not closed, and any
    closed one visited in the period: its visits, single-visitor visits, target, last visit
    (London date) up to the period's end and the days from it to the period's last day (today
    while the period runs)."""
    counted, single = {}, {}
    for v in visits:
        counted[v["suite_id"]] = counted.get(v["suite_id"], 0) + 1
        single[v["suite_id"]] = single.get(v["suite_id"], 0) + v["single"]
    wanted = None if area.suite_ids is None else set(area.suite_ids)
    listed = [s for s in suites.suite_list(db)
              if (wanted is None or s["id"] in wanted)
              and (s["status"] != "closed" or s["id"] in counted)]
    last = last_visits(db, [s["id"] for s in listed], period.bounds()[1])
    up_to = min(today, period.end_day - timedelta(days=1))
    target = round(settings["ag2_visits_per_week"] * period.days / 7)
    found = []
    for s in sorted(listed, key=lambda s: s["name"]):
        last_day = london_arrival(last[s["id"]]).date() if last.get(s["id"]) else None
        found.append({
            "id": s["id"], "suite": s["name"], "panel": s["panel_name"] or "",
            "closed": s["status"] != "24_7", "visits": counted.get(s["id"], 0),
            "single": single.get(s["id"], 0),
            "target": target if s["status"] == "24_7" else None,
            "last_visit": last_day.isoformat() if last_day else "Never",
            "days_since": max(0, (up_to - last_day).days) if last_day else None})
    return found


def last_visits(db, suite_ids, end):
    """{suite id: arrived_at of its latest visit before `end`} (one index step per suite on
    visits_suite)."""
    if not suite_ids:
        return {}
    return {r["id"]: r["last"] for r in db.query(f"""
        SELECT s.id, (SELECT max(v.arrived_at) FROM visits v
                      WHERE v.suite_id = s.id AND v.arrived_at < ?) AS last
        FROM suites s WHERE s.id IN ({', '.join('?' * len(suite_ids))})""", [end, *suite_ids])}


def not_visited_for(s, settings):
    """True if an open suite was never visited or not within the AG2 number of days."""
    return s["days_since"] is None or s["days_since"] > settings["ag2_not_visited_days"]


def suite_table(found, period, settings):
    """Visits per suite against the target, with the last visit."""
    days, per_week = settings["ag2_not_visited_days"], settings["ag2_visits_per_week"]
    columns = [
        Column("suite", "Suite", "label"), Column("panel", "Panel", "text"),
        Column("visits", "Visits"), Column("target", "Target", "number"),
        Column("share_of_target", "Share of target (%)", "percent", of="visits"),
        Column("single", "Single-visitor visits"), Column("last_visit", "Last visit", "text"),
        Column("days_since", "Days since last visit", "number", unit="days"),
    ]
    rows, highlight = [], set()
    for i, s in enumerate(found):
        rows.append({**{k: s[k] for k in ("suite", "panel", "visits", "target", "single",
                                          "last_visit", "days_since")},
                     "share_of_target": percent(s["visits"], s["target"])})
        if s["closed"]:
            continue
        if s["visits"] < s["target"]:
            highlight.add((i, "visits"))
        if not_visited_for(s, settings):
            highlight.add((i, "days_since"))
    targets = [s["target"] for s in found if s["target"] is not None]
    total_visits = sum(s["visits"] for s in found)
    total = {"suite": "Total", "visits": total_visits, "target": sum(targets),
             "share_of_target": percent(total_visits, sum(targets)),
             "single": sum(s["single"] for s in found)}
    notes = [
        f"Target: {per_week:g} visit{'s' if per_week != 1 else ''} a week to each suite open 24/7 "
        f"(rule AG2), {found[0]['target'] if targets else round(per_week * period.days / 7)} "
        f"over the period's {period.days} days. Suites below it are marked.",
        f"Days since last visit are counted to the period's last day (to today while the period "
        f"is still running). More than {days} days, or never visited, is marked.",
        "Contingency suites (opened only when needed) have no target; closed suites are listed "
        "only when they were visited in the period.",
    ]
    return Table("visits_by_suite", "Visits by suite", columns, rows,
                 description="Visits to each suite in the period against the weekly target.",
                 total=total, chart=Chart(series=("visits",),
                                          description="Visits to each suite in the period."),
                 highlight=highlight, notes=notes, empty="No suites in this area.",
                 highlight_words={"visits": "below target",
                                  "days_since": f"over {days} days"})


def not_visited_table(found, settings):
    """Open suites with no visit in the period, or none within the AG2 number of days."""
    days = settings["ag2_not_visited_days"]
    listed = [s for s in found if not s["closed"] and (s["visits"] == 0 or not_visited_for(s, settings))]
    columns = [Column("suite", "Suite", "label"), Column("panel", "Panel", "text"),
               Column("visits", "Visits"), Column("last_visit", "Last visit", "text"),
               Column("days_since", "Days since last visit", "number", unit="days")]
    rows = [{k: s[k] for k in ("suite", "panel", "visits", "last_visit", "days_since")}
            for s in listed]
    return Table("suites_not_visited", "Suites not visited", columns, rows,
                 description=f"Suites open all day, every day (24/7) with no visit in the period, or none in "
                             f"the {days} days to its last day.",
                 empty=f"Every suite was visited in the period and within {days} days of its end.")


def day_of_week_table(arrivals):
    counted = [0] * 7
    for moment in arrivals:
        counted[moment.weekday()] += 1
    return share_table("visits_by_day", "Visits by day of the week", list(zip(DAYS_OF_WEEK, counted)),
                       count_label="Visits", group_label="Day", chart=True,
                       description="Visits by the day of the week they began, London time.")


def part_of_day_table(arrivals):
    counted = [0] * 4
    for moment in arrivals:
        counted[moment.hour // 6] += 1
    return share_table("visits_by_time", "Visits by part of the day", list(zip(PARTS_OF_DAY, counted)),
                       count_label="Visits", group_label="Part of the day", chart=True,
                       description="Visits by the London time they began.")


def admission_table(visits, settings):
    """How long visitors waited to be let in, and visits made alone."""
    limit = settings["admission_delay_minutes"]
    waits = [(london_arrival(v["admitted_at"]) - london_arrival(v["arrived_at"])).total_seconds() / 60
             for v in visits if v["admitted_at"]]
    over, single = sum(w > limit for w in waits), sum(v["single"] for v in visits)
    columns = [Column("figure", "Figure", "label"), Column("count", "Visits"),
               Column("share", "Share (%)", "percent", of="count"),
               Column("minutes", "Minutes", "number", unit="minutes")]
    rows = [
        {"figure": "Visits", "count": len(visits)},
        {"figure": "With the time let in recorded", "count": len(waits),
         "share": percent(len(waits), len(visits))},
        {"figure": "Median wait to be let in", "minutes": median(waits)},
        {"figure": f"Let in more than {limit} minutes after arriving", "count": over,
         "share": percent(over, len(waits))},
        {"figure": "Made by one visitor alone", "count": single,
         "share": percent(single, len(visits))},
    ]
    return Table("admission_and_pairs", "Admission and pairs", columns, rows,
                 description="The wait from arriving to being let into custody, and visits made "
                             "alone rather than in a pair.",
                 notes=[f"The share of waits over {limit} minutes (rule AC1) is of the visits with "
                        f"the time let in recorded; the share made alone is of all visits."])


# Detainees -----------------------------------------------------------------------------------

def detainee_tables(db, area, period, settings, today):
    """Detainees in custody at the time of visits (from the visits' counts), those not seen by
    reason, and who was seen (the detainee entries) by age band, gender and ethnicity."""
    where, params = period_visits(area, period)
    reasons = [(f"not_seen_{code}", label) for code, label in NOT_SEEN_REASONS]
    counted = sums(db, {
        "in_custody": "v.in_custody", "spoke_with": "v.spoke_with",
        **{name: f"json_extract(v.counts, '$.{name}')"
           for name in ("offered", "observed_only", "declined", "not_seen", *dict(reasons))},
    }, "FROM visits v", where, params)
    groups = entry_groups(db, area.suite_ids, *period.bounds(), flags=False)
    return [outcome_table(counted), conversation_table(counted),
            share_table("not_seen_reasons", "Not seen, by reason",
                        [(label, counted[name]) for name, label in reasons],
                        count_label="Detainees", group_label="Reason",
                        description="Detainees in custody the visitors did not see, by the reason "
                                    "given."),
            *demographic_tables(groups)]


def outcome_table(counted):
    """Those in custody, split four ways: the total row is the number in custody."""
    in_custody = counted["in_custody"]
    rows = [{"figure": label, "count": counted[name], "share": percent(counted[name], in_custody)}
            for name, label in OUTCOME_COUNTS]
    columns = [Column("figure", "Figure", "label"), Column("count", "Detainees"),
               Column("share", "Share of those in custody (%)", "percent", of="count")]
    return Table("detainees_at_visits", "Detainees at the time of visits", columns, rows,
                 description="Everyone in custody when the visitors were there, by what happened.",
                 total={"figure": "In custody", "count": in_custody,
                        "share": 100.0 if in_custody else None},
                 chart=Chart(series=("count",), description="Detainees in custody at the time of "
                                                            "visits, by what happened."))


def conversation_table(counted):
    """Those offered a conversation, and those seen (spoke with or observed)."""
    in_custody = counted["in_custody"]
    seen = counted["spoke_with"] + counted["observed_only"]
    columns = [Column("figure", "Figure", "label"), Column("count", "Detainees"),
               Column("share", "Share of those in custody (%)", "percent", of="count")]
    rows = [{"figure": "Offered a conversation", "count": counted["offered"],
             "share": percent(counted["offered"], in_custody)},
            {"figure": "Seen: spoke with or observed", "count": seen,
             "share": percent(seen, in_custody)}]
    return Table("detainees_seen", "Detainees offered a conversation and seen", columns, rows,
                 description="The share seen is those spoken with or observed, of everyone in "
                             "custody at the time of visits.")


def demographic_tables(groups):
    """Who was seen (the detainee entries): by age band, gender, ethnic group and ethnicity."""
    def totals(key, choices):
        counted = {}
        for g in groups:
            counted[g[key]] = counted.get(g[key], 0) + g["seen"]
        return [(label, counted.get(code, 0)) for code, label in choices]
    ethnic_groups = [(name, seen) for name, seen, _ in by_ethnic_group(groups, "child")]  # seen only
    described = "Detainees recorded in the visit reports (their detainee entries), by {}."
    return [
        share_table("seen_by_age", "Detainees seen, by age band",
                    totals("age_band", codes.AGE_BANDS), count_label="Detainees seen",
                    group_label="Age band", description=described.format("age band"), chart=True),
        share_table("seen_by_gender", "Detainees seen, by gender",
                    totals("gender", codes.GENDERS), count_label="Detainees seen",
                    group_label="Gender", description=described.format("gender")),
        share_table("seen_by_ethnic_group", "Detainees seen, by ethnic group", ethnic_groups,
                    count_label="Detainees seen", group_label="Ethnic group", chart=True,
                    description=described.format("the five ONS ethnic groups (self-defined)")),
        share_table("seen_by_ethnicity", "Detainees seen, by ethnicity",
                    totals("ethnicity", codes.ETHNICITY_CHOICES), count_label="Detainees seen",
                    group_label="Ethnicity",
                    description=described.format("self-defined ethnicity (ONS 2021 categories)")),
    ]


# Disproportionality (AG1) ---------------------------------------------------------------------

def disproportionality_tables(db, area, period, settings, today):
    """Strip searches and use of force against the detainees seen, by ethnic group and age band."""
    groups = entry_groups(db, area.suite_ids, *period.bounds())
    common = dict(min_group=settings["ratio_min_group"], threshold=settings["ag1_share_ratio"],
                  seen_label="Detainees seen")
    described = ("Detainees the visitors saw (their detainee entries) and how many of them were "
                 "{}, by {}. The share ratio is the group's share of those {} over its share of "
                 "those seen: 1 means in proportion, 2 means twice its share.")
    return [
        table("ss_ethnicity", "Strip searches by ethnic group", by_ethnic_group(groups, "strip_search"),
              flagged_label="Strip searched", group_label="Ethnic group",
              reference=settings["reference_group"],
              description=described.format("strip searched", "ethnic group", "strip searched"),
              **common),
        table("ss_age", "Strip searches by age band", by_age_band(groups, "strip_search"),
              flagged_label="Strip searched", group_label="Age band",
              description=described.format("strip searched", "age band", "strip searched"),
              **common),
        table("uof_ethnicity", "Use of force by ethnic group", by_ethnic_group(groups, "use_of_force"),
              flagged_label="Force used", group_label="Ethnic group",
              reference=settings["reference_group"],
              description=described.format("subject to force", "ethnic group", "subject to force"),
              **common),
        table("uof_age", "Use of force by age band", by_age_band(groups, "use_of_force"),
              flagged_label="Force used", group_label="Age band",
              description=described.format("subject to force", "age band", "subject to force"),
              **common),
    ]


# Issues (GN1) ----------------------------------------------------------------------------------

def issue_tables(db, area, period, settings, today):
    """Issues raised at the period's visits by category, and how many were resolved there."""
    where, params = period_visits(area, period)
    counted = {r["category"]: r for r in db.query(f"""
        SELECT i.category, count(*) AS issues,
          sum(i.resolved_at_visit = 'yes') AS resolved, sum(i.resolved_at_visit = 'partly') AS partly,
          sum(i.resolved_at_visit = 'no') AS not_resolved
        FROM visits v CROSS JOIN visit_issues i ON i.visit_id = v.id
        WHERE {where} GROUP BY i.category""", params)}
    names = [code for code, _ in ISSUE_CATEGORIES]
    categories = ISSUE_CATEGORIES + [(code, code) for code in sorted(counted) if code not in names]
    keys = ("issues", "resolved", "partly", "not_resolved")
    rows = []
    for code, label in categories:
        row = {"category": label, **{k: counted[code][k] if code in counted else 0 for k in keys}}
        rows.append({**row, "share_resolved": percent(row["resolved"], row["issues"])})
    total = {"category": "Total", **{k: sum(r[k] for r in rows) for k in keys}}
    total["share_resolved"] = percent(total["resolved"], total["issues"])
    columns = [Column("category", "Category", "label"), Column("issues", "Issues"),
               Column("resolved", "Resolved at the visit"), Column("partly", "Partly resolved"),
               Column("not_resolved", "Not resolved"),
               Column("share_resolved", "Share resolved at the visit (%)", "percent", of="resolved")]
    return [Table("issues_by_category", "Issues by category", columns, rows,
                  description="Issues the visitors raised with custody staff, by category, and "
                              "whether they were resolved during the visit.",
                  total=total, row_total="issues", row_parts=("resolved", "partly", "not_resolved"),
                  chart=Chart(series=("issues",), description="Issues raised at visits, by "
                                                              "category."),
                  notes=["Issues resolved in full at the visit are rule GN1's good news: recorded "
                         "for this summary, not escalated."])]
