"""Visit reports in the database (their drafts are icv/drafts): submitting, correcting with versions, reading back.

A report travels as a plain dict (see `report_from_form`): the form, the demo data and the
tests all save through `record_visit`, so the rules always run the same way.
"""
import json
import sqlite3
import uuid
from datetime import time, timedelta

from .. import audit, people, rules, suites
from ..escalations import sync
from ..db import writing
from ..flags import FLAGS
from ..lookup import by_id
from ..times import from_iso, london, london_to_utc, now_iso, span_to_utc, to_iso
from . import questions as q
from .snapshot import snapshot

VISIT_COLUMNS = ("suite_id", "partner_id", "visit_type", "arrived_at", "admitted_at", "departed_at",
                 "admission_delay_reason", "single_visitor_reason", "custody_officer",
                 "in_custody", "spoke_with", "good_practice", "general_comments")
ENTRY_COLUMNS = ("custody_record_no", "age_band", "appears_under_18", "gender", "ethnicity", "consent")


class StaleVersion(Exception):
    """The report changed since the correction began (someone else corrected it)."""


# Submitting and correcting ----------------------------------------------------------------

def report_from_form(form):
    """The plain report a valid VisitForm describes."""
    arrived, departed = span_to_utc(form.visit_date.data, form.arrival_time.data, form.departure_time.data)
    _, admitted = span_to_utc(form.visit_date.data, form.arrival_time.data, form.admitted_time.data)
    counts = form.counts()
    return {
        "client_id": form.client_id.data, "suite_id": form.suite_id.data,
        "partner_id": None if form.partner_id.data == "alone" else int(form.partner_id.data),
        "visit_type": form.visit_type.data, "arrived_at": to_iso(arrived),
        "admitted_at": to_iso(admitted), "departed_at": to_iso(departed),
        "admission_delay_reason": form.admission_delay_reason.data or "",
        "single_visitor_reason": (form.single_visitor_reason.data or "") if form.partner_id.data == "alone" else "",
        "custody_officer": form.custody_officer.data, "in_custody": counts["in_custody"],
        "spoke_with": counts["spoke_with"], "counts": counts,
        "entries": [{
            "entry_key": e.entry_key.data, **{c: e[c].data for c in ENTRY_COLUMNS},
            "checks": e.form.check_answers(), "flags": e.form.flag_answers(),
        } for e in form.detainees],
        "facilities": {item: {"status": form.facilities[item].data,
                              "note": form.facilities[f"{item}_note"].data or ""}
                       for item, _ in q.FACILITY_ITEMS},
        "issues": [{k: i[k].data or "" for k in ("category", "description", "raised_with",
                                                 "resolved_at_visit")} for i in form.issues],
        "good_practice": form.good_practice.data or "", "general_comments": form.general_comments.data or "",
    }


def normalise(report):
    """Fill what a minimal report (tests, demo) leaves out."""
    report = {"visit_type": "routine", "admission_delay_reason": "", "single_visitor_reason": "",
              "custody_officer": "", "good_practice": "", "general_comments": "", "facilities": {},
              "issues": [], "counts": {}, **report}
    report.setdefault("admitted_at", report["arrived_at"])
    report["counts"] = {"in_custody": report["in_custody"], "spoke_with": report["spoke_with"],
                        **report["counts"]}
    report["entries"] = [{"entry_key": uuid.uuid4().hex, "appears_under_18": None, "consent": "yes",
                          "checks": {}, **e} for e in report["entries"]]
    return report


def find_by_client_id(db, client_id):
    """The id of the visit saved with this client-made id, or None."""
    rows = list(db.query("SELECT id FROM visits WHERE client_id = ?", [client_id]))
    return rows[0]["id"] if rows else None


def record_visit(db, user_id, report, fields=None, submitted_at=None, *,
                 settings, due_days):
    """Save a checked report as version 1 and raise its escalations (under the rule `settings`
    and `due_days` in force: rulebook.in_force(), or rulebook.built_in()); returns (visit_id, created).

    A client_id already saved (a double tap, a retry from the outbox) returns the existing
    report instead of making a second one."""
    existing = find_by_client_id(db, report["client_id"])
    if existing:
        return existing, False
    report, now = normalise(report), submitted_at or now_iso()
    try:
        with writing(db):
            visit_id = db["visits"].insert({
                **{c: report[c] for c in VISIT_COLUMNS}, "client_id": report["client_id"],
                "counts": json.dumps(report["counts"]), "created_by": user_id, "status": "submitted",
                "submitted_at": now, "created_at": now, "updated_at": now, "version": 1}).last_pk
            save_details(db, visit_id, report, now, settings, due_days)
            add_version(db, visit_id, 1, report, fields, "", user_id, now)
            audit.log(db, user_id, "submit", "visit", visit_id)
    except sqlite3.IntegrityError:
        existing = find_by_client_id(db, report["client_id"])
        if existing:  # the other tap won the race
            return existing, False
        raise
    return visit_id, True


def correct_visit(db, visit_id, user_id, report, fields, reason, base_version, *,
                  settings, due_days):
    """Replace a report's answers with a corrected version, keeping every earlier version, and
    run the rules again (under the `settings` and `due_days` in force, as record_visit).

    Raises StaleVersion if the report is no longer at `base_version`. Entries keep their
    ids (matched by entry_key) so escalations stay attached; removed entries are marked,
    never deleted; new findings raise new escalations."""
    report, now = normalise(report), now_iso()
    with writing(db):
        cursor = db.execute(
            f"UPDATE visits SET {', '.join(f'{c} = ?' for c in VISIT_COLUMNS)}, counts = ?, "
            "version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
            [*(report[c] for c in VISIT_COLUMNS), json.dumps(report["counts"]), now, visit_id,
             base_version])
        if cursor.rowcount != 1:
            raise StaleVersion()
        version = base_version + 1
        save_details(db, visit_id, report, now, settings, due_days)
        add_version(db, visit_id, version, report, fields, reason, user_id, now)
        audit.log(db, user_id, "correct", "visit", visit_id, version=version)
    return version


def save_details(db, visit_id, report, now, settings, due_days):
    """Entries (upserted by key), flags, facilities and issues of a report; then the rules."""
    keep, findings = [], []
    for position, entry in enumerate(report["entries"]):
        values = {"position": position, "checks": json.dumps(entry["checks"]), "removed_at": None,
                  **{c: entry.get(c) for c in ENTRY_COLUMNS}}
        rows = list(db.query("SELECT id FROM detainee_entries WHERE visit_id = ? AND entry_key = ?",
                             [visit_id, entry["entry_key"]]))
        if rows:
            entry_id = rows[0]["id"]
            db["detainee_entries"].update(entry_id, values)
            db.execute("DELETE FROM flags WHERE detainee_entry_id = ?", [entry_id])
        else:
            entry_id = db["detainee_entries"].insert(
                {"visit_id": visit_id, "entry_key": entry["entry_key"], **values}).last_pk
        keep.append(entry_id)
        for kind, answers in entry["flags"].items():
            db["flags"].insert({"detainee_entry_id": entry_id, "kind": kind, "answers": json.dumps(answers)})
        findings.append((entry_id, entry))
    marks = ",".join("?" * len(keep)) or "NULL"
    db.execute(f"UPDATE detainee_entries SET removed_at = ? WHERE visit_id = ? AND removed_at IS NULL "
               f"AND id NOT IN ({marks})", [now, visit_id, *keep])
    db.execute("DELETE FROM facility_checks WHERE visit_id = ?", [visit_id])
    for item, check in report["facilities"].items():
        db["facility_checks"].insert({"visit_id": visit_id, "item": item, **check})
    db.execute("DELETE FROM visit_issues WHERE visit_id = ?", [visit_id])
    for position, issue in enumerate(report["issues"]):
        db["visit_issues"].insert({"visit_id": visit_id, "position": position, **issue})
    raise_escalations(db, visit_id, report, findings, now, settings, due_days)


def raise_escalations(db, visit_id, report, findings, now, settings, due_days):
    """Run the rules on the report and each current entry, and bring their escalations in line;
    entries removed by a correction are run as raising nothing."""
    suite_id, raised_by, submitted_at = db.execute(
        "SELECT suite_id, created_by, submitted_at FROM visits WHERE id = ?", [visit_id]).fetchone()
    repeats = sync.repeat_counts(db, suite_id, now, settings["repeat_window_days"],
                                        exclude_visit=visit_id)
    where = dict(suite_id=suite_id, raised_by=raised_by, now=now, visit_id=visit_id,
                 due_days=due_days)
    # When the report was first sent (AC4), not when a correction was made.
    finding = {**report, "submitted_at": submitted_at or now}
    sync.sync(db, rules.evaluate(finding, "visit", settings, repeats), **where)
    for entry_id, entry in findings:
        sync.sync(db, rules.evaluate(entry, "detainee", settings, repeats),
                  detainee_entry_id=entry_id, **where)
    current = [entry_id for entry_id, _ in findings]
    marks = ",".join("?" * len(current)) or "NULL"
    for (entry_id,) in db.execute(f"SELECT id FROM detainee_entries WHERE visit_id = ? AND "
                                  f"removed_at IS NOT NULL AND id NOT IN ({marks})",
                                  [visit_id, *current]).fetchall():
        sync.sync(db, [], detainee_entry_id=entry_id, **where)


def add_version(db, visit_id, version, report, fields, reason, user_id, now):
    db["visit_versions"].insert({
        "visit_id": visit_id, "version": version, "fields": json.dumps(fields or []),
        "snapshot": json.dumps(snapshot(db, report)), "reason": reason, "created_by": user_id,
        "created_at": now})


# Reading back ------------------------------------------------------------------------------

# An ICV's reports: the ones they wrote (index visits_created_by) and the ones they were the
# partner on (visits_partner). Each side is read in arrival order from its own index and SQLite
# merges the two, so a page stops reading once it has its rows, however many reports there are.
MINE = """SELECT id, arrived_at FROM visits WHERE created_by = :me
          UNION SELECT id, arrived_at FROM visits WHERE partner_id = :me"""


def count_visits_for(db, user_id):
    """How many reports this ICV made or was the partner on (read from the two indexes alone)."""
    return db.execute(f"SELECT count(*) FROM ({MINE})", {"me": user_id}).fetchone()[0]


def visits_for(db, user_id, size, offset=0):
    """A page of the reports this ICV made or was the partner on, newest arrival first (then
    newest id), with their entry and flag counts and suite names."""
    ids = [r[0] for r in db.execute(f"{MINE} ORDER BY arrived_at DESC, id DESC LIMIT :size OFFSET :offset",
                                    {"me": user_id, "size": size, "offset": offset})]
    if not ids:
        return []
    rows = list(db.query(f"""
        SELECT v.*,
          (SELECT count(*) FROM detainee_entries d WHERE d.visit_id = v.id AND d.removed_at IS NULL)
            AS entry_count,
          (SELECT count(*) FROM flags f JOIN detainee_entries d ON d.id = f.detainee_entry_id
            WHERE d.visit_id = v.id AND d.removed_at IS NULL) AS flag_count
        FROM visits v WHERE v.id IN ({','.join('?' * len(ids))})
        ORDER BY v.arrived_at DESC, v.id DESC""", ids))
    names = suites.names(db, [r["suite_id"] for r in rows])
    return [{**r, "suite_name": names[r["suite_id"]]} for r in rows]


NEAR = timedelta(minutes=60)  # arrivals this close, same ICV, suite and London day: likely the same visit


def near_duplicates(db, user_id, suite_id, arrived_at, leaving_out=None):
    """Submitted reports that may be this one again: at the same suite, on the same London day,
    arriving within an hour (either way, inclusive) of `arrived_at`, that this ICV wrote or was
    the partner on (a partner's report of the visit we made together is the likeliest double).
    `leaving_out` is the report being corrected. Earliest first, with the suite's name.
    One range of the visits_suite(suite_id, arrived_at) index: two hours of one suite."""
    arrived = from_iso(arrived_at)
    day = london(arrived).date()
    day_start, day_end = (to_iso(london_to_utc(d, time(0, 0))) for d in (day, day + timedelta(days=1)))
    rows = list(db.query("""
        SELECT id, suite_id, arrived_at, created_by FROM visits
        WHERE suite_id = :suite AND arrived_at >= :lo AND arrived_at <= :hi AND arrived_at < :end
          AND :me IN (created_by, partner_id) AND status = 'submitted' AND id IS NOT :leave
        ORDER BY arrived_at, id""", {"me": user_id, "suite": int(suite_id), "leave": leaving_out,
                                     "lo": max(to_iso(arrived - NEAR), day_start),
                                     "hi": to_iso(arrived + NEAR), "end": day_end}))
    names = suites.names(db, [r["suite_id"] for r in rows])
    return [{**r, "suite_name": names[r["suite_id"]]} for r in rows]


def get_visit(db, visit_id):
    """The visit with suite and visitor names, or None."""
    rows = list(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]))
    if not rows:
        return None
    v = rows[0]
    names = people.names(db, [v["created_by"], v["partner_id"]])
    return {**v, "counts": json.loads(v["counts"]), "suite_name": suites.name(db, v["suite_id"]),
            "created_by_name": names.get(v["created_by"]), "partner_name": names.get(v["partner_id"])}


def get_entry(db, entry_id):
    """One detainee entry (even one a correction removed), with its checks and {kind: answers}
    flags, or None."""
    rows = list(db.query("SELECT * FROM detainee_entries WHERE id = ?", [entry_id])) if entry_id else []
    if not rows:
        return None
    found = {**rows[0], "checks": json.loads(rows[0]["checks"]), "flags": {}}
    for f in db.query("SELECT kind, answers FROM flags WHERE detainee_entry_id = ?", [entry_id]):
        found["flags"][f["kind"]] = json.loads(f["answers"])
    return found


def custody_record_numbers(db, entry_ids):
    """{detainee entry id: custody record number}; ids may repeat or be None."""
    return by_id(db, "SELECT id, custody_record_no AS value FROM detainee_entries", entry_ids)


def arrivals(db, visit_ids):
    """{visit id: when the visitors arrived}; ids may repeat or be None."""
    return by_id(db, "SELECT id, arrived_at AS value FROM visits", visit_ids)


def entries_for(db, visit_id):
    """The visit's current detainee entries, each with its checks and {kind: answers} flags."""
    entries = list(db.query("SELECT * FROM detainee_entries WHERE visit_id = ? AND removed_at IS NULL "
                            "ORDER BY position", [visit_id]))
    by_id = {e["id"]: {**e, "checks": json.loads(e["checks"]), "flags": {}} for e in entries}
    for f in db.query("""SELECT f.* FROM flags f JOIN detainee_entries d ON d.id = f.detainee_entry_id
                         WHERE d.visit_id = ? AND d.removed_at IS NULL""", [visit_id]):
        by_id[f["detainee_entry_id"]]["flags"][f["kind"]] = json.loads(f["answers"])
    return list(by_id.values())


def facilities_for(db, visit_id):
    return {r["item"]: r for r in db.query("SELECT * FROM facility_checks WHERE visit_id = ?", [visit_id])}


def issues_for(db, visit_id):
    return list(db.query("SELECT * FROM visit_issues WHERE visit_id = ? ORDER BY position", [visit_id]))


def versions_for(db, visit_id):
    """Every version of a report, oldest first, with who made it and its snapshot."""
    rows = list(db.query("SELECT * FROM visit_versions WHERE visit_id = ? ORDER BY version", [visit_id]))
    names = people.names(db, [r["created_by"] for r in rows])
    return [{**r, "snapshot": json.loads(r["snapshot"]), "created_by_name": names[r["created_by"]]}
            for r in rows]


def corrected_by(db, client_id):
    """The report a correction with this client id was saved to, or None: it reads the saved
    versions' fields, so only for the rare late post after the draft is gone."""
    rows = list(db.query("SELECT visit_id FROM visit_versions WHERE version > 1 AND fields LIKE ? "
                         "ORDER BY id DESC LIMIT 1", [f'%["client_id", "{client_id}"]%']))
    return rows[0]["visit_id"] if rows else None


def fields_for_visit(db, visit_id):
    """The report as the form's [name, value] pairs: the start of a correction."""
    visit = get_visit(db, visit_id)
    c = visit["counts"]
    fields = [["suite_id", visit["suite_id"]], ["visit_type", visit["visit_type"]],
              ["visit_date", london(visit["arrived_at"]).date().isoformat()]]
    for name, column in (("arrival_time", "arrived_at"), ("admitted_time", "admitted_at"),
                         ("departure_time", "departed_at")):
        fields.append([name, london(visit[column] or visit["arrived_at"]).strftime("%H:%M")])
    fields += [["admission_delay_reason", visit["admission_delay_reason"]],
               ["partner_id", visit["partner_id"] or "alone"],
               ["single_visitor_reason", visit["single_visitor_reason"]],
               ["custody_officer", visit["custody_officer"]], ["in_custody", visit["in_custody"]],
               ["offered", c.get("offered", visit["spoke_with"])],
               ["cells_in_use", c.get("cells_in_use", "")],
               ["cells_out_of_order", c.get("cells_out_of_order", "")]]
    fields += [[f"groups-{n}", c.get(n, 0)] for n, _, _ in q.GROUP_COUNTS]
    fields += [[f"outcomes-{n}", c.get(n, 0)] for n, _ in q.OUTCOME_COUNTS]
    fields[-len(q.OUTCOME_COUNTS)][1] = visit["spoke_with"]
    fields += [[f"not_seen_reasons-{n}", c.get(f"not_seen_{n}", "")] for n, _ in q.NOT_SEEN_REASONS]
    for i, e in enumerate(entries_for(db, visit_id)):
        p = f"detainees-{i}-"
        fields += [[p + col, e[col] or ""] for col in ("entry_key", *ENTRY_COLUMNS)]
        fields += [[f"{p}checks-{k}", v] for k, v in e["checks"].items()]
        for flag in FLAGS:
            fields.append([p + flag.kind, "yes" if flag.kind in e["flags"] else "no"])
            fields += [[f"{p}{flag.kind}_answers-{k}", v] for k, v in e["flags"].get(flag.kind, {}).items()]
    for item, check in facilities_for(db, visit_id).items():
        fields += [[f"facilities-{item}", check["status"]], [f"facilities-{item}_note", check["note"]]]
    for i, issue in enumerate(issues_for(db, visit_id)):
        fields += [[f"issues-{i}-{k}", issue[k]] for k in ("category", "description", "raised_with",
                                                          "resolved_at_visit")]
    fields += [["good_practice", visit["good_practice"]], ["general_comments", visit["general_comments"]]]
    return [[name, "" if value is None else str(value)] for name, value in fields]


def last_visited(db, suite_ids):
    """{suite id: arrival of its latest report, or None if it has none} (one index lookup each)."""
    ids = sorted(set(suite_ids))
    return {r["suite_id"]: r["last"] for r in db.query(
        "SELECT j.value AS suite_id, (SELECT max(arrived_at) FROM visits WHERE suite_id = j.value) "
        "AS last FROM json_each(?) j", [json.dumps(ids)])}
