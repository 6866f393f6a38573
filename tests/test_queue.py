"""The queue's views (all open, mine, unassigned, overdue), filters (priority, suite, panel,
rule, status) in the query string, counts per view, pages, due dates and who may see it."""
import re
from datetime import timedelta

import pytest

from conftest import error_messages, finding_entry, page_text
from icv.db import connect
from icv.escalations import queries
from icv.escalations.queries import Filters
from icv.times import london_today, to_iso, utcnow
from icv.workdays import add_working_days
from test_escalations import SS2, UF3, queue_ids


@pytest.fixture
def raise_at(db, make_user, make_visit):
    """raise_at(suite_id, flags=SS2, days=0) -> id of one escalation raised at that suite."""
    author, partner = make_user("icv"), make_user("icv")

    def make(suite_id, flags=SS2, days=0):
        visit_id = make_visit(author, entries=[finding_entry(flags=flags)], partner_id=partner.id,
                              suite_id=suite_id, submitted_at=to_iso(utcnow() - timedelta(days=days)),
                              hours_ago=24 * days + 2)
        return next(db["escalations"].rows_where("visit_id = ?", [visit_id]))["id"]
    return make


@pytest.fixture
def world(db, make_suite, make_user, raise_at):
    """Two suites in two panels; five escalations: a (critical, Brixton, mine), b (high,
    Brixton, unassigned, overdue), c (critical, Walworth, someone else's), d (high, Walworth,
    resolved), e (critical, Walworth, unassigned, due today)."""
    brixton, walworth = make_suite("Brixton"), make_suite("Walworth")
    lambeth = db["panels"].insert({"name": "Lambeth"}).last_pk
    southwark = db["panels"].insert({"name": "Southwark"}).last_pk
    db["panel_suites"].insert_all([{"panel_id": lambeth, "suite_id": brixton},
                                   {"panel_id": southwark, "suite_id": walworth}])
    me, colleague = make_user("custody_team"), make_user("custody_team")
    ids = {"a": raise_at(brixton, SS2, 5), "b": raise_at(brixton, UF3, 4),
           "c": raise_at(walworth, SS2, 3), "d": raise_at(walworth, UF3, 2),
           "e": raise_at(walworth, SS2, 1)}
    today = london_today()
    far = add_working_days(today + timedelta(days=1), 3).isoformat()
    for key, changes in {
        "a": {"assigned_to": me.id, "status": "triaged", "due_on": far},
        "b": {"due_on": (today - timedelta(days=10)).isoformat()},
        "c": {"assigned_to": colleague.id, "status": "raised_with_police", "due_on": far},
        "d": {"status": "resolved", "closed_at": to_iso(utcnow()), "due_on": None},
        "e": {"due_on": today.isoformat()},
    }.items():
        db["escalations"].update(ids[key], changes)
    return {"ids": ids, "me": me, "colleague": colleague, "brixton": brixton, "walworth": walworth,
            "lambeth": lambeth, "southwark": southwark}


@pytest.fixture
def mine(login_as, world):
    return login_as(world["me"])


def shown(client, query=""):
    response = client.get("/escalations/" + query)
    assert response.status_code == 200, error_messages(response)
    return queue_ids(response.text)


def view_counts(page):
    """{view name: count} from the views above the queue."""
    return dict(re.findall(r'<span class="views-name">([\w ]+)</span> '
                           r'<span class="views-count">(\d+)</span>', page))


def keys(world, ids):
    by_id = {v: k for k, v in world["ids"].items()}
    return "".join(by_id[i] for i in ids)


@pytest.mark.parametrize("query, expected", [
    ("", "aceb"),                        # open: critical oldest first, then high
    ("?view=mine", "a"),
    ("?view=unassigned", "eb"),
    ("?view=overdue", "b"),
    ("?priority=critical", "ace"),
    ("?priority=high", "b"),
    ("?status=resolved", "d"),
    ("?status=triaged", "a"),
    ("?suite={brixton}", "ab"),
    ("?panel={southwark}", "ce"),
    ("?rule=UF3", "b"),
    ("?rule=UF3&status=resolved", "d"),
    ("?view=unassigned&suite={walworth}", "e"),
    ("?view=mine&suite={walworth}", ""),
])
def test_views_and_filters(world, mine, query, expected):
    """Each view and filter, alone and combined, lists the right escalations in queue order."""
    assert keys(world, shown(mine, query.format(**world))) == expected


def test_counts_per_view_follow_the_filters(world, mine):
    """The views show their counts under the current filters; the counts line gives the
    current view by priority."""
    page = mine.get("/escalations/").text
    counts = view_counts(page)
    assert counts == {"All": "4", "Assigned to me": "1", "Unassigned": "2", "Overdue": "1"}
    assert '<p class="counts">4 open:' in page
    assert '<span class="tag tag-critical">3 critical</span>' in page
    page = mine.get(f"/escalations/?suite={world['brixton']}&view=unassigned").text
    counts = view_counts(page)
    assert counts == {"All": "2", "Assigned to me": "1", "Unassigned": "1", "Overdue": "1"}
    assert '<p class="counts">1 open:' in page


def test_view_links_keep_the_filters_and_mark_the_current_one(world, mine):
    query = f"view=unassigned&amp;priority=high&amp;suite={world['brixton']}"
    page = mine.get(f"/escalations/?{query}".replace("&amp;", "&")).text
    assert f'href="/escalations/?priority=high&amp;suite={world["brixton"]}"' in page
    assert f'href="/escalations/?{query}" aria-current="page"' in page
    assert f'action="/escalations/bulk?{query}"' in page


def test_filters_are_shown_as_chosen(world, mine):
    page = mine.get(f"/escalations/?panel={world['lambeth']}&rule=SS2").text
    assert f'<option selected value="{world["lambeth"]}">Lambeth</option>' in page
    assert '<option selected value="SS2">' in page
    assert "Filtered: Custody suite" not in page
    assert re.search(r'<p class="active-filters">Filtered: Panel: Lambeth, Rule: SS2: [^<]+\. '
                     r'<a href="/escalations/">Clear filters</a></p>', page)


def test_pages_keep_the_filters(app, world, mine, raise_at):
    app.config["QUEUE_PAGE_SIZE"] = 2
    for _ in range(3):
        raise_at(world["walworth"])
    page = mine.get(f"/escalations/?suite={world['walworth']}").text
    assert "Page 1 of 3" in page
    assert f'href="/escalations/?suite={world["walworth"]}&amp;page=2" rel="next"' in page
    second = mine.get(f"/escalations/?suite={world['walworth']}&page=2").text
    assert len(queue_ids(second)) == 2 and "Page 2 of 3" in second
    assert f'href="/escalations/?suite={world["walworth"]}" rel="prev"' in second


def test_overdue_is_highlighted_and_due_today_shown(world, mine):
    page = page_text(mine.get("/escalations/"))
    b, e = world["ids"]["b"], world["ids"]["e"]
    item_b = page[page.index(f'id="item-{b}"'):]
    item_b = item_b[:item_b.index("</tr>")]
    assert 'class="queue-item queue-item-overdue"' in page[page.rindex("<tr", 0, page.index(f'id="item-{b}"')):]
    assert re.search(r'<strong class="due-overdue">Overdue by \d+ working days</strong>', item_b)
    item_e = page[page.index(f'id="item-{e}"'):]
    assert '<strong class="due-today">Due today</strong>' in item_e[:item_e.index("</tr>")]


@pytest.mark.parametrize("query, message", [
    ("?view=everything", "Choose a view: all, assigned to me, unassigned or overdue"),
    ("?priority=urgent", "Choose a priority from the list"),
    ("?status=closed", "Choose a status from the list"),
    ("?suite=abc", "Choose a custody suite from the list"),
    ("?suite=999999", "Choose a custody suite from the list"),
    ("?panel=-1", "Choose a panel from the list"),
    ("?rule=ZZ9", "Choose a rule from the list"),
    ("?page=0", "The page number must be between 1 and 100,000."),
])
def test_a_bad_filter_is_a_400_with_a_message(world, mine, query, message):
    """A tampered or out-of-date bookmark: 400, the GOV.UK error summary, never a 500."""
    response = mine.get("/escalations/" + query)
    assert response.status_code == 400
    assert message in error_messages(response)
    assert response.text.count("<title>Error: ") == 1


def test_no_match_says_so(world, mine):
    assert "There are no open escalations here." in page_text(
        mine.get(f"/escalations/?view=overdue&suite={world['walworth']}"))


@pytest.mark.parametrize("role", ["custody_team", "coordinator", "admin"])
def test_staff_see_the_queue(login_as, world, role):
    assert login_as(role).get("/escalations/").status_code == 200


def test_visitors_are_turned_away_from_the_queue_and_every_escalation(login_as, world):
    icv = login_as("icv")
    assert icv.get("/escalations/").status_code == 403
    assert icv.get(f"/escalations/{world['ids']['a']}").status_code == 403
    assert icv.post("/escalations/bulk", data={"action": "assign"}).status_code == 403


def test_filters_args_leave_out_defaults():
    assert Filters().args() == {}
    assert Filters(view="mine", suite=3, page=2).args(page=1) == {"view": "mine", "suite": 3}


@pytest.mark.parametrize("filters", [
    Filters(), Filters(view="unassigned"), Filters(view="overdue"), Filters(view="mine"),
    Filters(status="resolved"), Filters(suite=1), Filters(rule="SS2"), Filters(panel=1)])
def test_every_view_is_answered_from_an_index(app, filters):
    """No queue query reads the whole escalations table (EXPLAIN QUERY PLAN)."""
    conn = connect(app.config["DATABASE"])
    where, params = queries._conditions(conn, filters, 1, "2026-12-01")
    plan = [r["detail"] for r in conn.query(
        f"EXPLAIN QUERY PLAN SELECT e.id FROM escalations e WHERE {where} "
        f"ORDER BY {queries.ORDER} LIMIT 50", params)]
    assert not [p for p in plan if re.fullmatch(r"SCAN e", p)], plan


def test_the_filter_form_lands_on_a_short_address(world, mine):
    """The filter form sends every box, empty ones too: the queue answers with the address of
    just the filters in use, so it can be bookmarked."""
    response = mine.get(f"/escalations/?view=all&priority=&status=&suite={world['brixton']}"
                        "&panel=&rule=")
    assert response.status_code == 302
    assert response.location == f"/escalations/?suite={world['brixton']}"
    assert mine.get("/escalations/?view=all&page=1").location == "/escalations/"


def test_the_demo_queue_has_work_in_every_state(db):
    """`make run` shows a working queue: every status, several people, notes, police
    responses and outcomes for the visitors, with the history that led there."""
    import random

    from icv import demo
    demo.load(db, random.Random(2026))
    statuses = {r["status"] for r in db.query("SELECT DISTINCT status FROM escalations")}
    assert statuses == {"new", "triaged", "raised_with_police", "awaiting_response", "resolved",
                        "no_further_action"}
    assert db.execute("SELECT count(DISTINCT assigned_to) FROM escalations").fetchone()[0] >= 3
    assert db.execute("SELECT count(*) FROM escalations WHERE closed_at IS NULL AND "
                      "assigned_to IS NULL").fetchone()[0] > 0
    for kind in ("note", "police_response", "outcome", "status", "assigned"):
        assert db["escalation_events"].count_where("kind = ?", [kind]), kind
    assert db["escalations"].count_where("outcome_note != '' AND closed_at IS NOT NULL")
    assert not list(db.query("""SELECT e.id FROM escalations e WHERE e.version != 1 + (
        SELECT count(*) FROM escalation_events v WHERE v.escalation_id = e.id
        AND v.user_id IS NOT NULL) AND e.id NOT IN (SELECT escalation_id FROM escalation_events
        WHERE kind IN ('rerun', 'priority'))"""))
