"""The monthly rules (AG1, AG2): what a London month's visit reports show together, raised as
escalations through icv/escalations/monthly.py.

  AG1 (London-wide, one escalation per flag kind): for strip searches and for uses of force, an
      ethnic group's or age band's share of the detainees flagged is at least ag1_share_ratio
      times its share of the detainees seen, in a group of at least ag1_min_group seen.
  AG2 (each open suite on the list all month): too few visits for the weekly target, every visit (two or more) in the
      same part of the London day, or ag2_not_visited_days days in a row with no visit.

A month is checked once on its own, GRACE_DAYS after it ends (run_due, called by the queue and
summary pages: one primary-key lookup once done), and again whenever someone runs
`flask monthly-rules`; a re-run withdraws what a corrected report no longer shows."""
from datetime import timedelta

from .. import rules
from ..escalations import monthly as escalations
from ..times import london
from . import disproportion
from .periods import Period
from .visit_figures import by_age_band, by_ethnic_group, entry_groups

# Reports are due within 24 hours of a visit: a month is checked once this many days after it
# ends, so that the reports of its last visits are in.
GRACE_DAYS = 2
AG1_KINDS = {"strip_search": "strip searches", "use_of_force": "uses of force"}
ETHNIC_WORDS = {"Other": "detainees of another ethnic group"}


def findings(db, period, settings):
    """[escalations.Finding] of the month `period` (a month Period) under the rule settings."""
    return ag1_findings(db, period, settings) + ag2_findings(db, period, settings)


# AG1 --------------------------------------------------------------------------------------------

def ag1_findings(db, period, settings):
    """One finding per flag kind with any group over the threshold, London-wide."""
    groups = entry_groups(db, None, *period.bounds())
    found = []
    for kind, words in AG1_KINDS.items():
        over = []
        for ethnic, split in ((True, by_ethnic_group), (False, by_age_band)):
            counts = split(groups, kind)
            seen_all, flagged_all = sum(g[1] for g in counts), sum(g[2] for g in counts)
            over += [(group_words(r["group"], ethnic), r, seen_all, flagged_all)
                     for r in disproportion.rows(counts, None, settings["ag1_min_group"])
                     if rules.ag1(r, settings)]
        if not over:
            continue
        title = (f"{words.capitalize()} out of proportion in {period.label}: "
                 + ", ".join(who for who, *_ in over))
        detail = " ".join(
            f"{who[0].upper()}{who[1:]} were {r['flagged_share']:.0f}% of the {words} seen in {period.label} "
            f"({r['flagged']} of {flagged_all}) but {r['seen_share']:.0f}% of the detainees seen "
            f"({r['seen']} of {seen_all}): {r['share_ratio']:.1f} times their share."
            for who, r, seen_all, flagged_all in over)
        found.append(escalations.Finding("AG1", kind, None, title, detail))
    return found


def group_words(group, ethnic):
    """'Black detainees', 'detainees of another ethnic group', 'detainees aged 16 to 17'."""
    if ethnic:
        return ETHNIC_WORDS.get(group, f"{group} detainees")
    return f"detainees aged {group}"


# AG2 --------------------------------------------------------------------------------------------

def ag2_findings(db, period, settings):
    """One finding per open suite whose month raises AG2, by suite name."""
    months = suite_months(db, period)
    found = []
    for suite in suites_to_check(db, period):
        month = months.get(suite["id"]) or {"visits": 0, "days": period.days, "parts": [],
                                            "longest_gap": period.days}
        reasons = rules.ag2_reasons(month, settings)
        if not reasons:
            continue
        shorts = [short for short, _ in reasons]
        found.append(escalations.Finding(
            "AG2", f"suite-{suite['id']}", suite["id"],
            f"{suite['name']}, {period.label}: " + ", ".join(shorts),
            f"{suite['name']} in {period.label}: "
            + " ".join(sentence for _, sentence in reasons)))
    return found


def suites_to_check(db, period):
    """The suites open all day every day now (24/7: contingency suites open only when needed,
    and closed ones not at all) that were on the list for the whole month: a suite
    added during or after it had no fair chance to be visited as often as the target says."""
    start, _ = period.bounds()
    return list(db.query("SELECT id, name FROM suites WHERE status = '24_7' AND created_at < ? "
                         "ORDER BY name", [start]))


def suite_months(db, period):
    """{suite id: {visits, days, parts, longest_gap}} of the suites visited in the month: each
    visit's part of the London day, and the most days in a row with no visit."""
    start, end = period.bounds()
    arrivals = {}
    for r in db.query("SELECT suite_id, arrived_at FROM visits WHERE arrived_at >= ? "
                      "AND arrived_at < ? ORDER BY arrived_at", [start, end]):
        arrivals.setdefault(r["suite_id"], []).append(london(r["arrived_at"]))
    return {suite_id: {"visits": len(times), "days": period.days,
                       "parts": [rules.part_of_day(t.hour) for t in times],
                       "longest_gap": longest_gap(period, {t.date() for t in times})}
            for suite_id, times in arrivals.items()}


def longest_gap(period, days):
    """The most London days in a row in the period with no visit on them (`days`: the dates
    visited)."""
    marks = [period.first_day - timedelta(days=1), *sorted(days), period.end_day]
    return max((b - a).days - 1 for a, b in zip(marks, marks[1:]))


# Running the checks -----------------------------------------------------------------------------

def run(db, period, settings, due_days, now):
    """Check the month (again): raise, update and withdraw its monthly escalations, and record
    the run. Returns {"raised": [id], "updated": [id], "withdrawn": [id]}."""
    return escalations.settle(db, period.key, findings(db, period, settings), now=now,
                              due_days=due_days)


def due_month(today):
    """The month to check on `today` (a London date): the last one ended, once GRACE_DAYS have
    passed since; None before then."""
    month = Period.month_of(today).previous()
    return month if today >= month.end_day + timedelta(days=GRACE_DAYS) else None


def run_due(db, today, settings, due_days, now):
    """Check the last month ended if it is due and has not been checked: the ids of the
    escalations raised ([] when there was nothing to do). Cheap once done: one lookup."""
    month = due_month(today)
    if month is None or escalations.ran(db, month.key):
        return []
    done = escalations.settle(db, month.key, findings(db, month, settings), now=now,
                              due_days=due_days, once=True)
    return done["raised"] if done else []
