"""What people see at any hour: the rules, due dates and dates of the report form at 00:30, 11:30
and 23:30 London time, on an ordinary day and on the days the clocks change (29 March and 25
October 2026, 28 March and 31 October 2027), with the app's clock pinned at each moment. Moments
are UTC instants, so the autumn hour that happens twice can be either reading."""
import random
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from conftest import finding_entry, form_value, page_text
from icv import demo
from icv.auth import create_user
from icv.times import LONDON, london_to_utc, utcnow
from test_escalations import SS2, UF3


def utc(text):
    """An instant from "2026-11-18 00:30" UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def at_london(day, clock):
    """The instant of a London wall-clock time ("2026-11-18", "23:30")."""
    return london_to_utc(date.fromisoformat(day), time.fromisoformat(clock))


# (label, instant): 00:30, 11:30 and 23:30 London on each day, and the hour the clocks change.
MOMENTS = [
    *[(f"Wed 18 Nov 2026 {t} GMT", at_london("2026-11-18", t)) for t in ("00:30", "11:30", "23:30")],
    ("Sun 29 Mar 2026 00:30 GMT", utc("2026-03-29 00:30")),
    ("Sun 29 Mar 2026 02:30 BST, an hour after 00:30", utc("2026-03-29 01:30")),
    ("Sun 29 Mar 2026 11:30 BST", utc("2026-03-29 10:30")),
    ("Sun 29 Mar 2026 23:30 BST", utc("2026-03-29 22:30")),
    ("Sun 25 Oct 2026 00:30 BST", utc("2026-10-24 23:30")),
    ("Sun 25 Oct 2026 01:30 BST, the first", utc("2026-10-25 00:30")),
    ("Sun 25 Oct 2026 01:30 GMT, the second", utc("2026-10-25 01:30")),
    ("Sun 25 Oct 2026 11:30 GMT", utc("2026-10-25 11:30")),
    ("Sun 25 Oct 2026 23:30 GMT", utc("2026-10-25 23:30")),
    ("Sun 28 Mar 2027 00:30 GMT", utc("2027-03-28 00:30")),
    ("Sun 28 Mar 2027 11:30 BST", utc("2027-03-28 10:30")),
    ("Sun 28 Mar 2027 23:30 BST", utc("2027-03-28 22:30")),
    ("Sun 31 Oct 2027 00:30 BST", utc("2027-10-30 23:30")),
    ("Sun 31 Oct 2027 01:30 GMT, the second", utc("2027-10-31 01:30")),
    ("Sun 31 Oct 2027 11:30 GMT", utc("2027-10-31 11:30")),
    ("Sun 31 Oct 2027 23:30 GMT", utc("2027-10-31 23:30")),
]
# Moments something is found, for due dates.
LONDON_MOMENTS = {
    "Sat 21 Nov 2026 23:30 GMT": at_london("2026-11-21", "23:30"),
    "Sat 18 Jul 2026 00:30 BST": at_london("2026-07-18", "00:30"),
    "Sun 29 Mar 2026 00:30 GMT": at_london("2026-03-29", "00:30"),
    "Sun 25 Oct 2026 01:30 GMT": utc("2026-10-25 01:30"),
    "Sun 31 Oct 2027 23:30 GMT": at_london("2027-10-31", "23:30"),
    "Fri 25 Dec 2026 00:30 GMT": at_london("2026-12-25", "00:30"),
    "Thu 24 Dec 2026 23:30 GMT": at_london("2026-12-24", "23:30"),
}
AT_ANY_MOMENT = pytest.mark.parametrize("moment", [m for _, m in MOMENTS], ids=[label for label, _ in MOMENTS])


@pytest.fixture
def icv(login_as):
    return login_as("icv")


@pytest.fixture
def partnered(icv, make_user, report_form):
    """partnered(**fields) -> report_form data of a pair's visit (so AC4 has only lateness to say)."""
    partner = make_user("icv")

    def make(**fields):
        return report_form(partner_id=str(partner.id), single_visitor_reason="", **fields)
    return make


def send(client, data):
    """Submit a report from the form: it is saved."""
    response = client.post(f"/visits/drafts/{data['client_id']}", data=data)
    assert response.status_code == 302, page_text(response)
    return response


def ended_hours_ago(hours):
    """Form fields of an hour-long visit that ended `hours` before the app's clock."""
    left = utcnow() - timedelta(hours=hours)
    arrived, left = (left - timedelta(hours=1)).astimezone(LONDON), left.astimezone(LONDON)
    return {"visit_date": arrived.date().isoformat(), "arrival_time": f"{arrived:%H:%M}",
            "admitted_time": f"{arrived:%H:%M}", "departure_time": f"{left:%H:%M}"}


def due_shown(client, escalation_id):
    """What the escalation's page says under "Due", as read."""
    page = page_text(client.get(f"/escalations/{escalation_id}"))
    return re.sub(r"<[^>]+>", "", re.search(r"<dt>Due</dt><dd>(.*?)</dd>", page).group(1))


# AC4: a report sent more than 24 hours after the visit ended -------------------------------------

@AT_ANY_MOMENT
def test_the_report_form_fixtures_report_raises_nothing_at_any_hour(clock, icv, partnered, db, moment):
    """The baseline report most tests start from is on time whenever the suite runs (it used
    to be dated yesterday 10:00 to 11:00, so after 11:00 it was late and raised AC4)."""
    clock.set(moment)
    send(icv, partnered())
    assert db["escalations"].count == 0


@AT_ANY_MOMENT
def test_a_report_sent_23_hours_after_the_visit_is_on_time(clock, icv, partnered, db, moment):
    clock.set(moment)
    send(icv, partnered(**ended_hours_ago(23)))
    assert db["visits"].count == 1 and db["escalations"].count == 0


@AT_ANY_MOMENT
def test_a_report_sent_25_hours_after_the_visit_is_late(clock, icv, partnered, login_as, db, moment):
    """AC4 is raised and its page says how late, in real hours (across a clock change too)."""
    clock.set(moment)
    send(icv, partnered(**ended_hours_ago(25)))
    [ac4] = db["escalations"].rows
    assert ac4["rule_id"] == "AC4"
    page = page_text(login_as("custody_team").get(f"/escalations/{ac4['id']}"))
    assert "Report sent 25 hours after the visit ended." in page


# Due dates: in UK working days from the London date something was found ----------------------

@pytest.mark.parametrize("found, priority, due", [
    ("Sat 21 Nov 2026 23:30 GMT", "critical", "Mon 23 Nov 2026"),
    ("Sat 18 Jul 2026 00:30 BST", "critical", "Mon 20 Jul 2026"),  # Friday 23:30 in UTC
    ("Sun 29 Mar 2026 00:30 GMT", "critical", "Mon 30 Mar 2026"),  # the clocks go forward
    ("Sun 25 Oct 2026 01:30 GMT", "critical", "Mon 26 Oct 2026"),  # the second 01:30
    ("Sun 31 Oct 2027 23:30 GMT", "critical", "Mon 1 Nov 2027"),
    ("Fri 25 Dec 2026 00:30 GMT", "critical", "Tue 29 Dec 2026"),  # Christmas, then Boxing Day on Monday
    ("Thu 24 Dec 2026 23:30 GMT", "high", "Tue 5 Jan 2027"),  # 5 working days over Christmas and New Year
])
def test_due_date_is_counted_in_working_days_from_the_london_date_found(
        clock, login_as, make_user, make_visit, db, found, priority, due):
    clock.set(LONDON_MOMENTS[found])
    flags = SS2 if priority == "critical" else UF3
    make_visit(make_user("icv"), entries=[finding_entry(flags=flags)], partner_id=make_user("icv").id)
    [escalation] = db["escalations"].rows
    assert escalation["priority"] == priority
    assert due_shown(login_as("custody_team"), escalation["id"]) == due


def test_a_critical_found_late_on_a_working_day_is_due_that_day_and_overdue_after_the_holidays(
        clock, login_as, make_user, make_visit, db):
    """Found Thursday 24 December 23:30: due today. Seen on Tuesday 29 December (after Christmas
    and the Boxing Day holiday on Monday 28th) it is one working day overdue."""
    clock.set(LONDON_MOMENTS["Thu 24 Dec 2026 23:30 GMT"])
    make_visit(make_user("icv"), entries=[finding_entry(flags=SS2)], partner_id=make_user("icv").id)
    [escalation] = db["escalations"].rows
    staff = make_user("custody_team")
    assert due_shown(login_as(staff), escalation["id"]) == "Today, Thu 24 Dec 2026"
    clock.set(at_london("2026-12-29", "11:30"))
    assert due_shown(login_as(staff), escalation["id"]) == "Thu 24 Dec 2026. Overdue by 1 working day"


# London dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, today", [
    (at_london("2026-07-15", "00:30"), "2026-07-15"),  # 23:30 on the 14th in UTC
    (at_london("2026-07-15", "23:30"), "2026-07-15"),
    (utc("2026-03-29 00:30"), "2026-03-29"),
    (utc("2026-10-24 23:30"), "2026-10-25"),  # 00:30 BST on the day the clocks go back
    (utc("2026-10-25 23:30"), "2026-10-25"),  # 23:30 GMT
    (utc("2027-10-30 23:30"), "2027-10-31"),
    (at_london("2026-12-31", "23:45"), "2026-12-31"),
    (at_london("2027-01-01", "00:15"), "2027-01-01"),
])
def test_a_new_report_is_dated_today_in_london(clock, icv, moment, today):
    clock.set(moment)
    assert form_value(icv.get("/visits/new").get_data(as_text=True), "visit_date") == today


# The idle sign-out counts real minutes ---------------------------------------------------------

def test_the_idle_sign_out_counts_real_minutes_when_the_clocks_go_back(clock, login_as):
    """Active at 01:50 BST on 25 October 2026; 31 minutes later the clocks say 01:21 GMT,
    earlier than before, but the person has been idle 31 minutes and is signed out."""
    clock.set(utc("2026-10-25 00:50"))
    client = login_as("icv")
    assert client.get("/").status_code == 302
    clock.advance(minutes=29)
    assert client.get("/session/status").json == {"signed_in": True, "expires_in": 60, "reason": "idle", "hours": 12}
    clock.advance(minutes=2)
    assert client.get("/visits/").location.startswith("/login")


# Nothing stored comes from the machine's clock -------------------------------------------------

def test_every_time_stored_comes_from_the_apps_clock(clock, db, login_as, report_form):
    """With the app's clock years away from the machine's, every time the demo, a new account
    and a report store is within a year before it: none comes from SQLite's own 'now'."""
    now = utc("2031-05-14 09:00")
    clock.set(now)
    demo.load(db, random.Random(1))
    create_user(db, "new.person@example.org", "New Person", "icv", "a long enough password")
    send(login_as("icv"), report_form())
    stored = [(table, column, value) for table in db.table_names() if table != "_sqlite_migrations"
              for column in db[table].columns_dict
              if column == "at" or column.endswith("_at")
              for (value,) in db.execute(f"SELECT [{column}] FROM [{table}] WHERE [{column}] IS NOT NULL")]
    assert {table for table, _, _ in stored} >= {"users", "suites", "panels", "visits", "escalations"}
    year_before = (now - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    latest = {"expires_at": "2031-05-14T21:00:00Z"}  # a session's end: now plus its 12 hours
    assert [s for s in stored if not year_before <= s[2] <= latest.get(s[1], "2031-05-14T09:00:00Z")] == []
