"""The duplicate warning on the check page (issue 12): a report from the same ICV at the same suite
on the same London day, arriving within an hour of one already sent, says so and links to it; the
ICV can still submit. store.near_duplicates finds them."""
import json
import re
from datetime import date, datetime, time, timedelta

import pytest

from conftest import draft_url, error_messages, page_text
from icv.times import LONDON, london, london_to_utc, london_today, to_iso
from icv.visits.store import near_duplicates

WARNING = 'id="already-sent"'


@pytest.fixture(autouse=True)
def afternoon(clock):
    """15:30 London on the pinned clock's day, so the report_form visit (13:00) has an hour
    either side on the same London day whatever ICV_TEST_NOW says; midnight has its own tests."""
    clock.set(london_to_utc(london_today(), time(15, 30)))


@pytest.fixture
def icv(login_as):
    return login_as("icv")


def arrival(data):
    """The UTC arrival of a report form's data."""
    return london_to_utc(date.fromisoformat(data["visit_date"]), time.fromisoformat(data["arrival_time"]))


def sent(make_visit, user, suite_id, arrived, **overrides):
    """A report already submitted by `user`, arriving at `arrived` (UTC), an hour long."""
    return make_visit(user, suite_id=suite_id, arrived_at=to_iso(arrived),
                      departed_at=to_iso(arrived + timedelta(hours=1)), **overrides)


def check(client, data):
    """Post the form with action=check and open the check page it leads to."""
    response = client.post(draft_url(data), data={**data, "action": "check"})
    assert response.status_code == 302, error_messages(response)
    assert response.location == draft_url(data, "/check")
    page = client.get(response.location)
    assert page.status_code == 200
    return page


def submit(client, data, page):
    """Submit from the check page, as its button does."""
    revision = re.search(r'name="revision" value="(\d+)"', page.text).group(1)
    return client.post(draft_url(data, "/submit"), data={"revision": revision})


def words(page):
    """The page's text without tags, its spaces run together."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(page)).split()).replace(" .", ".")


def said(arrived, suite_name):
    return f"{suite_name} on {london(arrived):%a %-d %b %Y} arriving at {london(arrived):%H:%M}"


@pytest.mark.parametrize("minutes", [0, -60, 60, -25])
def test_same_icv_suite_and_day_within_an_hour_warns_and_links(icv, report_form, make_suite,
                                                               make_visit, db, minutes):
    suite_id = make_suite("Charing Cross")
    data = report_form(suite_id)
    earlier = arrival(data) + timedelta(minutes=minutes)
    visit_id = sent(make_visit, icv.user, suite_id, earlier)
    page = check(icv, data)
    assert WARNING in page.text
    assert f"You already sent a report for {said(earlier, 'Charing Cross')}." in words(page)
    assert f'href="/visits/{visit_id}"' in page.text
    assert "you can still submit it" in page.text


def test_each_near_report_is_listed_with_its_own_link(icv, report_form, make_suite, make_visit):
    suite_id = make_suite()
    data = report_form(suite_id)
    ids = [sent(make_visit, icv.user, suite_id, arrival(data) + timedelta(minutes=m)) for m in (-30, 20)]
    page = check(icv, data)
    assert [f'href="/visits/{i}"' in page.text for i in ids] == [True, True]


@pytest.mark.parametrize("minutes", [61, -61, 120])
def test_more_than_an_hour_apart_does_not_warn(icv, report_form, make_suite, make_visit, minutes):
    suite_id = make_suite()
    data = report_form(suite_id)
    sent(make_visit, icv.user, suite_id, arrival(data) + timedelta(minutes=minutes))
    assert WARNING not in check(icv, data).text


def test_another_suite_does_not_warn(icv, report_form, make_suite, make_visit):
    data = report_form(make_suite())
    sent(make_visit, icv.user, make_suite(), arrival(data))
    assert WARNING not in check(icv, data).text


def test_another_day_at_the_same_time_does_not_warn(icv, report_form, make_suite, make_visit):
    suite_id = make_suite()
    data = report_form(suite_id)
    sent(make_visit, icv.user, suite_id, arrival(data) - timedelta(days=1))
    assert WARNING not in check(icv, data).text


def test_another_icvs_report_does_not_warn(icv, report_form, make_suite, make_user, make_visit):
    suite_id = make_suite()
    data = report_form(suite_id)
    sent(make_visit, make_user("icv"), suite_id, arrival(data))
    assert WARNING not in check(icv, data).text


def test_a_report_my_partner_sent_with_me_warns(icv, report_form, make_suite, make_user, make_visit):
    """'From the same ICV' counts the reports the ICV was the partner on: the partner's report of
    the visit made together is the likeliest second report of it."""
    suite_id = make_suite("Brixton")
    data = report_form(suite_id)
    visit_id = sent(make_visit, make_user("icv"), suite_id, arrival(data), partner_id=icv.user.id)
    page = check(icv, data)
    assert (f"Your visiting partner already sent a report for {said(arrival(data), 'Brixton')}."
            in words(page))
    assert f'href="/visits/{visit_id}"' in page.text


def test_submitting_anyway_saves_a_second_report(icv, report_form, make_suite, make_visit, db):
    suite_id = make_suite()
    data = report_form(suite_id)
    first = sent(make_visit, icv.user, suite_id, arrival(data))
    page = check(icv, data)
    assert WARNING in page.text
    response = submit(icv, data, page)
    assert response.status_code == 302, error_messages(response)
    second = int(response.location.rsplit("/", 1)[1])
    assert second != first
    assert db["visits"].count == 2
    assert sorted(r["suite_id"] for r in db["visits"].rows) == [suite_id, suite_id]


def correction_check(icv, db, visit_id):
    """Start correcting a report and open its check page, nothing changed but the reason."""
    client_id = icv.post(f"/visits/{visit_id}/correct").location.rsplit("/", 1)[1]
    fields = dict(json.loads(next(db["drafts"].rows_where("client_id = ?", [client_id]))["fields"]))
    page = check(icv, {**fields, "correction_reason": "Wrong custody officer."})
    assert "Check your answers before saving the correction" in page.text
    return page


def test_a_correction_does_not_warn_about_the_report_it_corrects(icv, report_form, make_suite, db):
    data = report_form(make_suite())
    visit_id = int(icv.post(draft_url(data), data=data).location.rsplit("/", 1)[1])
    assert WARNING not in correction_check(icv, db, visit_id).text


def test_a_correction_still_warns_about_another_near_report(icv, report_form, make_suite,
                                                           make_visit, db):
    suite_id = make_suite()
    data = report_form(suite_id)
    visit_id = int(icv.post(draft_url(data), data=data).location.rsplit("/", 1)[1])
    other = sent(make_visit, icv.user, suite_id, arrival(data) + timedelta(minutes=30))
    page = correction_check(icv, db, visit_id)
    assert f'href="/visits/{other}"' in page.text
    assert f'href="/visits/{visit_id}"' not in page.text
    assert "you can still save the correction" in page.text


# The London day across midnight UTC ---------------------------------------------------------

SUMMER = datetime(2026, 7, 15, 3, 0, tzinfo=LONDON)  # British Summer Time: London is UTC+1


def at(day_offset, hh, mm):
    """A London wall time on SUMMER's day (or a day either side), as UTC."""
    return london_to_utc(SUMMER.date() + timedelta(days=day_offset), time(hh, mm))


@pytest.mark.parametrize("existing, new, warns", [
    # 00:30 BST is 23:30 UTC the day before: still the same London day as 00:50
    ((0, 0, 30), (0, 0, 50), True),
    # 23:50 BST and 00:30 BST are 40 minutes apart, and the same UTC day, but London days differ
    ((-1, 23, 50), (0, 0, 30), False),
    ((0, 0, 30), (-1, 23, 50), False),
])
def test_the_day_is_londons_not_utcs(clock, make_user, make_suite, make_visit, db, existing, new, warns):
    clock.set(SUMMER)
    icv, suite_id = make_user("icv"), make_suite()
    visit_id = sent(make_visit, icv, suite_id, at(*existing))
    found = near_duplicates(db, icv.id, suite_id, to_iso(at(*new)))
    assert [v["id"] for v in found] == ([visit_id] if warns else [])


def test_a_report_after_midnight_bst_warns_on_the_check_page(clock, icv, report_form, make_suite,
                                                             make_visit):
    clock.set(SUMMER)
    suite_id = make_suite()
    existing = sent(make_visit, icv.user, suite_id, at(0, 0, 30))
    data = report_form(suite_id, visit_date=SUMMER.date().isoformat(), arrival_time="00:50",
                       admitted_time="00:55", departure_time="01:50")
    page = check(icv, data)
    assert f'href="/visits/{existing}"' in page.text


def test_the_lookup_reads_one_range_of_an_index(make_user, make_suite, db):
    """Two hours of one suite on visits_suite(suite_id, arrived_at): never a scan of visits."""
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        near_duplicates(db, make_user("icv").id, make_suite(), to_iso(at(0, 12, 0)))
    finally:
        db.conn.set_trace_callback(None)
    query = next(s for s in statements if "FROM visits" in s)
    plan = [r["detail"] for r in db.query(f"EXPLAIN QUERY PLAN {query}")]
    assert plan == ["SEARCH visits USING INDEX visits_suite (suite_id=? AND arrived_at>? AND arrived_at<?)"]
