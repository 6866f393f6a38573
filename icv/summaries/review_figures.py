"""Figures from submitted custody record reviews in a period (by session date): compliance per
care check, detention reviews late or missed, the detention limits, children held overnight,
record quality and grades, and disproportionality as the reviews show it.

A review belongs to the period its session date (the London day the records were reviewed)
falls in. The reviews of one period are few (a few hundred a year for London), so each
section reads them once on the custody_record_reviews_session index (or _suite for a panel or
suite) and adds up their JSON answers here. `+status` keeps SQLite off the status index
(every submitted review in history)."""
import json

from ..flags import FLAGS
from ..reviews import questions as q
from ..rule_checks import is_child
from . import disproportion
from .model import Chart, Column, Table
from .query import in_area, percent
from .visit_figures import by_age_band, by_ethnic_group

def submitted_reviews(db, suite_ids, period):
    """The submitted reviews whose session date is in the period, their JSON read back."""
    area, params = in_area("suite_id", suite_ids)
    rows = db.query(f"""
        SELECT id, suite_id, age_band, ethnicity, care_checks, derived, record_quality,
          overall_grade, flags
        FROM custody_record_reviews
        WHERE session_date >= ? AND session_date < ? AND +status = 'submitted'{area}""",
                    [period.first_day.isoformat(), period.end_day.isoformat(), *params])
    found = []
    for r in rows:
        for column in ("care_checks", "derived", "record_quality", "flags"):
            r[column] = json.loads(r[column] or "{}")
        found.append(r)
    return found


def headline(db, area, period):
    """Records reviewed (submitted reviews) and those graded a serious concern."""
    where, params = in_area("suite_id", area.suite_ids)
    row = next(db.query(f"""
        SELECT count(*) AS reviewed, coalesce(sum(overall_grade = 'serious_concern'), 0) AS serious
        FROM custody_record_reviews
        WHERE session_date >= ? AND session_date < ? AND +status = 'submitted'{where}""",
                        [period.first_day.isoformat(), period.end_day.isoformat(), *params]))
    return [("crr_reviewed", "Custody records reviewed", row["reviewed"]),
            ("crr_serious_concern", "Custody records graded a serious concern", row["serious"])]


def review_tables(db, area, period, settings, today):
    reviews = submitted_reviews(db, area.suite_ids, period)
    return [care_check_table(reviews), detention_review_table(reviews),
            limit_table(reviews, settings), children_table(reviews), flag_table(reviews),
            quality_table(reviews), grade_table(reviews)]


# Care checks and record quality ---------------------------------------------------------------

def care_check_table(reviews):
    """Each care check's grades over the records reviewed, and its compliance rate."""
    graded = [code for code, _ in q.GRADES if code != "n_a"]
    rows = []
    for name, label in q.CARE_CHECKS:
        grades = [r["care_checks"].get(name) for r in reviews]
        row = {"check": label, **{code: grades.count(code) for code, _ in q.GRADES}}
        row["applies"] = sum(row[code] for code in graded)
        row["rate"] = percent(row["compliant"], row["applies"])
        rows.append(row)
    columns = [Column("check", "Care check", "label"),
               *[Column(code, label) for code, label in q.GRADES],
               Column("applies", "Records where it applied"),
               Column("rate", "Compliance rate (%)", "percent", of="compliant")]
    return Table("crr_care_checks", "Care checks", columns, rows if reviews else [],
                 description="How reviewers graded each care check on the custody records "
                             "reviewed. The compliance rate is the share graded compliant of the "
                             "records where the check applied (every grade but 'Not applicable').",
                 row_total="applies", row_parts=tuple(graded),
                 chart=Chart(("rate",), "Compliance rate by care check",
                             "The share of records, where the check applied, graded compliant.",
                             max_value=100))


def quality_table(reviews):
    """Each record quality question's answers, and the share answered yes."""
    rows = []
    for name, label in q.RECORD_QUALITY:
        answers = [r["record_quality"].get(name) for r in reviews]
        row = {"question": label, **{code: answers.count(code) for code, _ in q.QUALITY}}
        row["answered"] = sum(row[code] for code, _ in q.QUALITY)
        row["share_yes"] = percent(row["yes"], row["answered"])
        rows.append(row)
    columns = [Column("question", "Record quality", "label"),
               *[Column(code, label) for code, label in q.QUALITY],
               Column("answered", "Records reviewed"),
               Column("share_yes", "Share yes (%)", "percent", of="yes")]
    return Table("crr_record_quality", "Record quality", columns, rows if reviews else [],
                 description="How reviewers judged the quality of the custody records reviewed: "
                             "records answered yes, partly or no to each question.",
                 row_total="answered", row_parts=tuple(code for code, _ in q.QUALITY))


def grade_table(reviews):
    """The overall grades given, with their shares and a total."""
    grades = [r["overall_grade"] for r in reviews]
    rows = [{"grade": label, "records": grades.count(code),
             "share": percent(grades.count(code), len(grades))} for code, label in q.OVERALL_GRADES]
    columns = [Column("grade", "Overall grade", "label"), Column("records", "Records reviewed"),
               Column("share", "Share of records reviewed (%)", "percent", of="records")]
    return Table("crr_grades", "Overall grades", columns, rows if reviews else [],
                 description="The overall grade reviewers gave each custody record reviewed.",
                 total={"grade": "All records reviewed", "records": len(grades),
                        "share": 100.0 if grades else None},
                 chart=Chart(("records",), "Custody records reviewed by overall grade",
                             "How many records reviewed were graded good, requires improvement "
                             "or a serious concern."))


# Detention reviews and limits ----------------------------------------------------------------

def review_outcome(r):
    """'on_time', 'late' or 'missed' for one PACE review in derived["reviews"]. Missed: not on
    the record at all, or on it with no time it was done; late: done after it was due (beyond
    the grace minutes derive.review_schedule allows)."""
    if not r.get("recorded") or not r.get("done"):
        return "missed"
    return "late" if r.get("late") else "on_time"


def detention_review_table(reviews):
    """PACE s.40 reviews due on the records reviewed: on time, late and missed."""
    outcomes = [review_outcome(r) for review in reviews for r in review["derived"].get("reviews") or []]
    row = {"what": "Detention reviews", "records": sum(bool(r["derived"].get("reviews")) for r in reviews),
           "due": len(outcomes), **{k: outcomes.count(k) for k in ("on_time", "late", "missed")}}
    row["late_or_missed"] = row["late"] + row["missed"]
    row["share"] = percent(row["late_or_missed"], row["due"])
    columns = [Column("what", "Reviews", "label"),
               Column("records", "Records with a review due"),
               Column("due", "Reviews due"), Column("on_time", "Done on time"),
               Column("late", "Done late"), Column("missed", "Missed"),
               Column("late_or_missed", "Late or missed"),
               Column("share", "Share late or missed (%)", "percent", of="late_or_missed")]
    return Table("crr_detention_reviews", "Detention reviews (PACE s.40)", columns,
                 [row] if row["due"] else [],
                 description="The reviews of detention PACE required on the custody records "
                             "reviewed, worked out from the times on each record (the first due 6 "
                             "hours after detention was authorised, later ones 9 hours apart). "
                             "Missed: not on the record, or on it with no time it was done.",
                 row_total="due", row_parts=("on_time", "late", "missed"),
                 empty="No detention reviews were due on the records reviewed in this period.")


def limit_kind(sentence):
    """Which limit one of derive.detention_limits' sentences is about (see LIMITS)."""
    if "absolute limit" in sentence:
        return "absolute"
    if "past the end of the warrant" in sentence:
        return "warrant_end"
    if "superintendent's extension" in sentence:
        return "extension"
    return "warrant"


def limit_table(reviews, settings):
    """Records held before charge past a PACE limit without the authority it needs."""
    breaches = [{limit_kind(s) for s in r["derived"].get("limit_breaches") or []} for r in reviews]
    hours = {k: settings.get(k, default) for k, default in (
        ("pace_limit_hours", 24), ("superintendent_limit_hours", 36), ("max_detention_hours", 96))}
    labels = {
        "extension": f"Past {hours['pace_limit_hours']} hours without a superintendent's extension in time",
        "warrant": f"Past {hours['superintendent_limit_hours']} hours without a warrant of further "
                   "detention in time",
        "warrant_end": "Past the end of the warrant of further detention",
        "absolute": f"Past the absolute limit of {hours['max_detention_hours']} hours",
    }
    rows = []
    for key in ("extension", "warrant", "warrant_end", "absolute"):
        count = sum(key in found for found in breaches)
        rows.append({"limit": labels[key], "records": count, "share": percent(count, len(reviews))})
    columns = [Column("limit", "Detention before charge", "label"), Column("records", "Records"),
               Column("share", "Share of records reviewed (%)", "percent", of="records")]
    return Table("crr_detention_limits", "Detention limits", columns, rows if reviews else [],
                 description="Custody records reviewed where the person was held before charge "
                             "past a PACE time limit (from arrival at the station) without the "
                             "authority it needs given by then. A record can be past more than one.")


# Children and flags ---------------------------------------------------------------------------

def children_table(reviews):
    """Children's records reviewed and how many of them were held overnight."""
    children = [r for r in reviews if is_child({"age_band": r["age_band"], "flags": r["flags"]})]
    overnight = sum(bool(r["derived"].get("child_overnight")) for r in children)
    rows = [{"what": "Children's records reviewed", "records": len(children), "share": None},
            {"what": "Children held overnight", "records": overnight,
             "share": percent(overnight, len(children))}]
    columns = [Column("what", "Children", "label"), Column("records", "Records"),
               Column("share", "Share of children's records (%)", "percent", of="records")]
    return Table("crr_children", "Children", columns, rows if reviews else [],
                 description="Custody records reviewed of children (under 18 by age band, or "
                             "with the child flag), and those held overnight: in custody at "
                             "midnight and released after 6am.")


def flag_table(reviews):
    """Records reviewed on which each flag (strip search, intimate search, use of force,
    child) was raised."""
    rows = []
    for flag in FLAGS:
        count = sum(flag.kind in r["flags"] for r in reviews)
        rows.append({"flag": flag.legend, "records": count, "share": percent(count, len(reviews))})
    columns = [Column("flag", "Flag", "label"), Column("records", "Records"),
               Column("share", "Share of records reviewed (%)", "percent", of="records")]
    return Table("crr_flags", "Searches, force and children on the records", columns,
                 rows if reviews else [],
                 description="Custody records reviewed that showed a strip search, an intimate "
                             "search, use of force or a child. A record can show more than one.")


# Disproportionality (AG1) ----------------------------------------------------------------------

def review_groups(reviews):
    """Each record reviewed as entry_groups' shape (one seen), so the visit figures' groupings
    apply: {age_band, ethnicity, seen, strip_search, use_of_force}."""
    return [{"age_band": r["age_band"], "ethnicity": r["ethnicity"], "seen": 1,
             "strip_search": int("strip_search" in r["flags"]),
             "use_of_force": int("use_of_force" in r["flags"])} for r in reviews]


def disproportionality_tables(db, area, period, settings, today):
    """Strip searches and use of force on the records reviewed, by ethnic group and age band,
    against each group's share of the records reviewed (rule AG1)."""
    groups = review_groups(submitted_reviews(db, area.suite_ids, period))
    common = {"seen_label": "Records reviewed", "min_group": settings["ratio_min_group"],
              "threshold": settings["ag1_share_ratio"]}
    found = []
    for kind, short, name, what in (("strip_search", "ss", "Strip searches", "a strip search"),
                                    ("use_of_force", "uof", "Use of force", "use of force")):
        flagged_label = f"Records with {what}"
        found.append(disproportion.table(
            f"crr_{short}_ethnicity", f"{name} by ethnic group (custody record reviews)",
            by_ethnic_group(groups, kind), flagged_label=flagged_label, group_label="Ethnic group",
            reference=settings["reference_group"], **common,
            description=f"Each ethnic group's share of the custody records reviewed that showed "
                        f"{what}, against its share of all records reviewed (self-defined "
                        f"ethnicity on the record, in the five ONS groups)."))
        found.append(disproportion.table(
            f"crr_{short}_age", f"{name} by age band (custody record reviews)",
            by_age_band(groups, kind), flagged_label=flagged_label, group_label="Age band",
            **common,
            description=f"Each age band's share of the custody records reviewed that showed "
                        f"{what}, against its share of all records reviewed."))
    return found
