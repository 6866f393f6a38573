"""The rows of the export files, one tidy table per entity (visits, detainee entries, flags,
issues, escalations, custody record reviews) for an area and a period: exports.py writes them
as CSV files and XLSX sheets.

Rows carry what a summary needs and nothing that names a detainee: no custody record numbers
and no free text from the reports (issue descriptions, comments, notes, police responses,
reasons for closing). Names of custody visitors and staff are in the staff files, which are
not for publication.

Every row query starts from the period on its index (visits_arrived for visits and what hangs
off them, escalations_created, custody_record_reviews_session), named with INDEXED BY so that
SQLite never walks a suite's index and sorts the rows instead, and reads them in that order
(no sort holding a year's rows); CROSS JOIN fixes the join order. tests/test_summary_plans.py
checks each plan.
"""
import json
from datetime import datetime, timezone
from functools import lru_cache

from .. import codes, flags
from ..reviews import questions as rq
from ..times import LONDON
from ..visits import questions as vq
from .query import in_area

# Words for codes and times ----------------------------------------------------------------------

AGE_BAND = dict(codes.AGE_BANDS)
GENDER = dict(codes.GENDERS)
ETHNICITY = dict(codes.ETHNICITY_CHOICES)
CONSENT = dict(vq.CONSENT)
VISIT_TYPE = dict(vq.VISIT_TYPES)
ISSUE_CATEGORY = dict(vq.ISSUE_CATEGORIES)
RESOLVED = dict(vq.RESOLVED)
STATUS = dict(codes.ESCALATION_STATUSES)
SOURCE = {"visit": "Visit", "detainee": "Detainee entry", "review": "Custody record review"}
CLOSED = {"resolved", "no_further_action"}
IC_CODE = dict(rq.IC_CODES)
DISPOSAL = dict(rq.DISPOSALS)
GRADE = dict(rq.GRADES)
QUALITY = dict(rq.QUALITY)
OVERALL = dict(rq.OVERALL_GRADES)
FLAG_KINDS = [f.kind for f in flags.FLAGS]
LEGEND = {f.kind: f.legend for f in flags.FLAGS}


def yes_no(value):
    return "Yes" if value else "No"


def _moment(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).astimezone(LONDON)


@lru_cache(maxsize=4096)
def london_time(text):
    """'2026-10-05 10:00': a stored UTC time as London clock time (blank for none)."""
    return _moment(text).strftime("%Y-%m-%d %H:%M") if text else ""


@lru_cache(maxsize=4096)
def london_date(text):
    """'2026-10-05': the London date of a stored UTC time (blank for none)."""
    return _moment(text).date().isoformat() if text else ""


def panel_names(db):
    """{suite id: its panels' names joined with '; '} (a suite may be in several panels, or
    none: then it has no entry)."""
    found = {}
    for r in db.query("""SELECT ps.suite_id, p.name FROM panel_suites ps
                         JOIN panels p ON p.id = ps.panel_id ORDER BY p.name"""):
        found[r["suite_id"]] = f"{found[r['suite_id']]}; {r['name']}" if r["suite_id"] in found \
            else r["name"]
    return found


def visit_filter(area, period):
    """(SQL, params): visits of the area arriving in the period."""
    start, end = period.bounds()
    where, params = in_area("v.suite_id", area.suite_ids)
    return f"v.arrived_at >= ? AND v.arrived_at < ?{where}", [start, end, *params]


# Visits ---------------------------------------------------------------------------------------

NOT_SEEN = [(f"not_seen_{code}", f"Not seen: {label}") for code, label in vq.NOT_SEEN_REASONS]
VISIT_COUNTS = [("in_custody", "In custody"), ("offered", "Offered a visit"),
                ("spoke_with", "Spoke with"), ("observed_only", "Observed only"),
                ("declined", "Declined"), ("not_seen", "Not seen"), *NOT_SEEN,
                ("children", "Children"), ("women", "Women and girls")]
VISITS = ["Visit ID", "Suite", "Panel", "Arrived (London)", "Admitted (London)",
          "Departed (London)", "Visit type", "Visitor", "Partner",
          *[label for _, label in VISIT_COUNTS], "Detainee entries",
          *[f"{f.legend} flags" for f in flags.FLAGS], "Escalations raised", "Submitted (London)"]


def visit_rows(db, area, period, now=None):
    """One row per visit: when, where, who, the counts, entries, flags by kind, escalations."""
    where, params = visit_filter(area, period)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT v.id, v.suite_id, s.name AS suite, v.arrived_at, v.admitted_at, v.departed_at,
          v.visit_type, c.display_name AS visitor, p.display_name AS partner, v.counts,
          v.submitted_at,
          (SELECT count(*) FROM detainee_entries d WHERE d.visit_id = v.id
            AND d.removed_at IS NULL) AS entries,
          (SELECT group_concat(f.kind) FROM detainee_entries d
            CROSS JOIN flags f ON f.detainee_entry_id = d.id
            WHERE d.visit_id = v.id AND d.removed_at IS NULL) AS kinds,
          (SELECT count(*) FROM escalations e WHERE e.visit_id = v.id
            AND e.still_raised = 1) AS escalations
        FROM visits v INDEXED BY visits_arrived CROSS JOIN suites s ON s.id = v.suite_id
          CROSS JOIN users c ON c.id = v.created_by LEFT JOIN users p ON p.id = v.partner_id
        WHERE {where} ORDER BY v.arrived_at, v.id""", params):
        counts = json.loads(r["counts"])
        kinds = (r["kinds"] or "").split(",")
        yield [r["id"], r["suite"], panels.get(r["suite_id"], ""), london_time(r["arrived_at"]),
               london_time(r["admitted_at"]), london_time(r["departed_at"]),
               VISIT_TYPE.get(r["visit_type"], r["visit_type"]), r["visitor"], r["partner"] or "",
               *[counts.get(key) for key, _ in VISIT_COUNTS], r["entries"],
               *[kinds.count(kind) for kind in FLAG_KINDS], r["escalations"],
               london_time(r["submitted_at"])]


# Detainee entries -----------------------------------------------------------------------------

DETAINEES = ["Entry ID", "Visit ID", "Suite", "Panel", "Visit date", "Age band", "Gender",
             "Ethnicity (ONS 2021)", "Ethnic group", "Self-defined ethnicity code (18+1)",
             "Consent", *[f.legend for f in flags.FLAGS], "Escalation rules raised"]


def detainee_rows(db, area, period, now=None):
    """One row per detainee entry (removed ones left out): who, in code-list words, whether
    each flag was raised and the escalation rules it raised (the answers are in flags.csv)."""
    where, params = visit_filter(area, period)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT d.id, v.id AS visit_id, v.suite_id, s.name AS suite, v.arrived_at, d.age_band,
          d.gender, d.ethnicity, d.consent,
          (SELECT group_concat(f.kind) FROM flags f WHERE f.detainee_entry_id = d.id) AS kinds,
          (SELECT group_concat(e.rule_id, ' ') FROM escalations e
            WHERE e.detainee_entry_id = d.id AND e.still_raised = 1) AS rules
        FROM visits v INDEXED BY visits_arrived CROSS JOIN detainee_entries d ON d.visit_id = v.id
          CROSS JOIN suites s ON s.id = v.suite_id
        WHERE {where} AND d.removed_at IS NULL
        ORDER BY v.arrived_at, v.id, d.position""", params):
        kinds = (r["kinds"] or "").split(",")
        yield [r["id"], r["visit_id"], r["suite"], panels.get(r["suite_id"], ""),
               london_date(r["arrived_at"]), AGE_BAND.get(r["age_band"], r["age_band"]),
               GENDER.get(r["gender"], r["gender"]), ETHNICITY.get(r["ethnicity"], r["ethnicity"]),
               codes.ETHNIC_GROUP.get(r["ethnicity"], ""), codes.SDE_18P1.get(r["ethnicity"], ""),
               CONSENT.get(r["consent"], r["consent"] or ""),
               *[yes_no(kind in kinds) for kind in FLAG_KINDS], r["rules"] or ""]


# Flags ------------------------------------------------------------------------------------------

FLAG_QUESTIONS = [(f, q) for f in flags.FLAGS for q in f.questions]
FLAGS = ["Flag ID", "Entry ID", "Visit ID", "Suite", "Panel", "Visit date", "Flag",
         *[f"{f.legend}: {q.label}" for f, q in FLAG_QUESTIONS]]


def answer(question, answers):
    """An answer in words (minutes as a number); blank when the question did not apply."""
    if question.name not in answers:
        return None
    value = answers[question.name]
    return value if question.minutes else dict(question.choices).get(value, value)


def flag_rows(db, area, period, now=None):
    """One row per flag raised on a current entry, with every question as a column."""
    where, params = visit_filter(area, period)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT f.id, f.kind, f.answers, d.id AS entry_id, v.id AS visit_id, v.suite_id,
          s.name AS suite, v.arrived_at
        FROM visits v INDEXED BY visits_arrived CROSS JOIN detainee_entries d ON d.visit_id = v.id
          CROSS JOIN flags f ON f.detainee_entry_id = d.id
          CROSS JOIN suites s ON s.id = v.suite_id
        WHERE {where} AND d.removed_at IS NULL
        ORDER BY v.arrived_at, v.id, d.position""", params):
        flag, answers = flags.BY_KIND[r["kind"]], json.loads(r["answers"])
        yield [r["id"], r["entry_id"], r["visit_id"], r["suite"], panels.get(r["suite_id"], ""),
               london_date(r["arrived_at"]), flag.legend,
               *[answer(q, answers) if f is flag else None for f, q in FLAG_QUESTIONS]]


# Issues ---------------------------------------------------------------------------------------

ISSUES = ["Issue ID", "Visit ID", "Suite", "Panel", "Visit date", "Category", "Raised with",
          "Resolved at the visit"]


def issue_rows(db, area, period, now=None):
    """One row per issue raised at a visit: its category, who it was raised with (a rank, not
    a name) and whether it was resolved there. The description is left out (free text)."""
    where, params = visit_filter(area, period)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT i.id, v.id AS visit_id, v.suite_id, s.name AS suite, v.arrived_at, i.category,
          i.raised_with, i.resolved_at_visit
        FROM visits v INDEXED BY visits_arrived CROSS JOIN visit_issues i ON i.visit_id = v.id
          CROSS JOIN suites s ON s.id = v.suite_id
        WHERE {where} ORDER BY v.arrived_at, v.id, i.position""", params):
        yield [r["id"], r["visit_id"], r["suite"], panels.get(r["suite_id"], ""),
               london_date(r["arrived_at"]), ISSUE_CATEGORY.get(r["category"], r["category"]),
               r["raised_with"], RESOLVED.get(r["resolved_at_visit"], r["resolved_at_visit"])]


# Escalations ------------------------------------------------------------------------------------

ESCALATIONS = ["Escalation ID", "Rule", "Title", "Suite", "Panel", "Source", "Priority",
               "Base priority", "Status", "Opened (London)", "Due", "Closed (London)",
               "Days open", "Assigned to", "Outcome", "Police response recorded",
               "Outcome written for the visitor", "Visit ID", "Entry ID", "Review ID"]


def days_between(start, end):
    """Days from one stored UTC time to another (or to `end` as a datetime), to 0.1 of a day."""
    end = end if isinstance(end, datetime) else datetime.fromisoformat(end).replace(tzinfo=timezone.utc)
    start = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    return round((end - start).total_seconds() / 86400, 1)


def escalation_rows(db, area, period, now):
    """One row per escalation opened in the period (those withdrawn by a correction left out),
    with its state now: the outcome as a status, never the notes, response or reasons typed."""
    start, end = period.bounds()
    where, params = in_area("e.suite_id", area.suite_ids)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT e.id, e.rule_id, e.title, e.suite_id, s.name AS suite, e.source, e.priority,
          e.base_priority, e.status, e.created_at, e.due_on, e.closed_at,
          u.display_name AS assignee, e.police_response != '' AS responded,
          e.outcome_note != '' AS outcome_written, e.visit_id, e.detainee_entry_id, e.review_id
        FROM escalations e INDEXED BY escalations_created LEFT JOIN suites s ON s.id = e.suite_id
          LEFT JOIN users u ON u.id = e.assigned_to
        WHERE e.created_at >= ? AND e.created_at < ? AND e.still_raised = 1{where}
        ORDER BY e.created_at, e.id""", [start, end, *params]):
        yield [r["id"], r["rule_id"], r["title"], r["suite"] or "London",
               panels.get(r["suite_id"], ""), SOURCE.get(r["source"], r["source"]),
               r["priority"].capitalize(), r["base_priority"].capitalize(),
               STATUS.get(r["status"], r["status"]), london_time(r["created_at"]),
               r["due_on"] or "", london_time(r["closed_at"]),
               days_between(r["created_at"], r["closed_at"] or now), r["assignee"] or "",
               STATUS[r["status"]] if r["status"] in CLOSED else "",
               yes_no(r["responded"]), yes_no(r["outcome_written"]), r["visit_id"],
               r["detainee_entry_id"], r["review_id"]]


# Custody record reviews ---------------------------------------------------------------------------

REVIEWS = ["Review ID", "Suite", "Panel", "Session date", "Age band", "Gender", "Ethnicity (ONS 2021)",
           "Ethnic group", "IC code", "Disposal", "Overall grade",
           *[f"Care: {label}" for _, label in rq.CARE_CHECKS],
           *[f"Record: {label}" for _, label in rq.RECORD_QUALITY],
           "Hours in custody", "Detention reviews late", "Time limits passed", "Child overnight",
           "Flags"]


def review_rows(db, area, period, now=None):
    """One row per submitted custody record review of a session in the period: grades and
    what its times imply (derive.py), never the reviewer's comments."""
    where, params = in_area("r.suite_id", area.suite_ids)
    panels = panel_names(db)
    for r in db.query(f"""
        SELECT r.id, r.suite_id, s.name AS suite, r.session_date, r.age_band, r.gender,
          r.ethnicity, r.ic_code, r.disposal, r.overall_grade, r.care_checks, r.record_quality,
          r.derived, r.flags
        FROM custody_record_reviews r INDEXED BY custody_record_reviews_session
          CROSS JOIN suites s ON s.id = r.suite_id
        WHERE r.session_date >= ? AND r.session_date < ? AND r.status = 'submitted'{where}
        ORDER BY r.session_date, r.id""",
                          [period.first_day.isoformat(), period.end_day.isoformat(), *params]):
        care, quality = json.loads(r["care_checks"]), json.loads(r["record_quality"])
        derived, raised = json.loads(r["derived"]), json.loads(r["flags"])
        yield [r["id"], r["suite"], panels.get(r["suite_id"], ""), r["session_date"],
               AGE_BAND.get(r["age_band"], r["age_band"] or ""),
               GENDER.get(r["gender"], r["gender"] or ""),
               ETHNICITY.get(r["ethnicity"], r["ethnicity"] or ""),
               codes.ETHNIC_GROUP.get(r["ethnicity"], ""), IC_CODE.get(r["ic_code"], r["ic_code"] or ""),
               DISPOSAL.get(r["disposal"], r["disposal"] or ""),
               OVERALL.get(r["overall_grade"], r["overall_grade"] or ""),
               *[GRADE.get(care.get(key), care.get(key) or "") for key, _ in rq.CARE_CHECKS],
               *[QUALITY.get(quality.get(key), quality.get(key) or "") for key, _ in rq.RECORD_QUALITY],
               derived.get("hours_in_custody"),
               sum(1 for x in derived.get("reviews", []) if x.get("late")),
               len(derived.get("limit_breaches", [])), yes_no(derived.get("child_overnight")),
               "; ".join(LEGEND[k] for k in FLAG_KINDS if raised.get(k) is not None)]


# entity name in the address -> (sheet name, header, rows(db, area, period, now))
ENTITIES = {
    "visits": ("Visits", VISITS, visit_rows),
    "detainees": ("Detainees", DETAINEES, detainee_rows),
    "flags": ("Flags", FLAGS, flag_rows),
    "issues": ("Issues", ISSUES, issue_rows),
    "escalations": ("Escalations", ESCALATIONS, escalation_rows),
    "reviews": ("Reviews", REVIEWS, review_rows),
}
