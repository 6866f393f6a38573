"""static/app.js and static/sw.js in a real browser at phone size: autosave, the copy kept on the
phone, the outbox for reports finished with no signal, the service worker, the sign-out warning
and what signing out clears. Driven by labels and roles, as a person would."""
import re
import sqlite3

import pytest


from .conftest import serve_demo
from .helpers import (LOGINS, continue_to_check, detainee, expect, fill_visit, let_time_pass, section,
                      sign_in, sign_out, visit_times)

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
OFFICER = "Custody officer on duty (rank and number)"
IN_CUSTODY = "Detainees in custody"
DRAFT_URL = re.compile(r"/visits/drafts/([0-9a-f-]{36})$")


# Fixtures and helpers ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def short_server(tmp_path_factory):
    """A second demo app whose idle sign-out each test sets (SESSION_IDLE_MINUTES)."""
    path = str(tmp_path_factory.mktemp("short-idle") / "icv.sqlite")
    with serve_demo(path, "browser-tests-short", 7) as server:
        yield server


@pytest.fixture
def idle_page(new_context, short_server):
    """idle_page(minutes) -> a page on the short-idle server, signed in as the demo ICV."""
    def make(minutes):
        short_server.app.config["SESSION_IDLE_MINUTES"] = minutes
        page = new_context(base_url=short_server.url).new_page()
        sign_in(page, "icv")
        return page
    yield make
    short_server.app.config["SESSION_IDLE_MINUTES"] = 30


def status(page):
    """The report's save status line (a live region under the heading)."""
    return page.locator("#save-status")


def outbox(page):
    """The outbox at the top of the page (a live region), once it says something."""
    return page.locator(".outbox").filter(has_text=re.compile(r"\S"))


def client_id(page):
    """The report's id, from the address the page moved to when typing began."""
    expect(page).to_have_url(DRAFT_URL)
    return DRAFT_URL.search(page.url)[1]


def visits_with(database, client_id):
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT id FROM visits WHERE client_id = ?", [client_id]).fetchall()


def local_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('icv:')).sort()")


def controlled_by_worker(page):
    """Wait until the service worker controls the page (then /visits/new is in its cache)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def no_violations(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


# Chromium does not always fire "online" when the signal comes back, and nor do phones: the page
# tries again every few seconds, so give it two tries.
SIGNAL_BACK = 12_000


def fill_complete_report(page, record_no):
    day, arrived, left = visit_times()
    fill_visit(page, record_no, day=day, arrived=arrived, left=left)


# a) and i): typing with no signal comes back after a reload ---------------------------------

def test_typing_with_no_signal_is_restored_after_a_reload(page_as, screenshot):
    page = page_as("icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    page.get_by_label(OFFICER).fill("PS 4321")
    expect(status(page)).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    draft = client_id(page)

    page.context.set_offline(True)
    page.get_by_label(IN_CUSTODY, exact=True).fill("4")
    section(page, "visit").get_by_label("Custody suite").select_option(label="Brixton")
    page.get_by_label("Custody record number", exact=True).fill("01KT/55555/26")
    expect(status(page)).to_have_text("Not saved: no signal. What you typed is kept on this phone.")

    page.reload()  # no signal: the service worker opens the form, the phone's copy fills it
    restored = page.get_by_role("status").filter(has_text="We restored what you typed on this phone at")
    expect(restored).to_be_visible()
    expect(page.get_by_label(OFFICER)).to_have_value("PS 4321")
    expect(page.get_by_label(IN_CUSTODY, exact=True)).to_have_value("4")
    expect(page.get_by_label("Custody record number", exact=True)).to_have_value("01KT/55555/26")
    expect(section(page, "visit").get_by_label("Custody suite")).to_have_value(re.compile(r"\d+"))
    assert client_id(page) == draft
    page.evaluate("scrollTo(0, 0)")
    screenshot(page, "offline-01-restored", full_page=False)
    no_violations(page)

    page.context.set_offline(False)  # signal again: it is saved, and the phone's copy goes
    expect(status(page)).to_have_text(re.compile(r"^Saved at "), timeout=SIGNAL_BACK)
    page.wait_for_function(f"!localStorage.getItem('icv:draft:{draft}')")
    page.reload()
    expect(page.get_by_label("Custody record number", exact=True)).to_have_value("01KT/55555/26")
    expect(page.get_by_text("We restored what you typed")).to_have_count(0)


def test_entries_the_page_cannot_show_come_back_from_the_server(page_as):
    """A detainee added before the signal went: the form opened offline has room for one, so
    the rest travel with the saves until the server can draw them."""
    page = page_as("icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    page.get_by_label(OFFICER).fill("PS 1357")
    page.get_by_role("button", name="Add another detainee").click()
    second = detainee(page, 2).get_by_label("Custody record number", exact=True)
    expect(second).to_be_focused()
    page.context.set_offline(True)
    second.fill("02AB/22222/26")
    page.reload()
    expect(page.get_by_text("Some detainee entries will show once it is saved.")).to_be_visible()
    expect(detainee(page, 2)).to_have_count(0)
    page.context.set_offline(False)
    second = detainee(page, 2).get_by_label("Custody record number", exact=True)
    expect(second).to_have_value("02AB/22222/26", timeout=SIGNAL_BACK)
    expect(page.get_by_label(OFFICER)).to_have_value("PS 1357")
    expect(page.get_by_text("We restored what you typed on this phone at")).to_be_visible()


def test_a_page_left_open_across_a_new_sign_in_still_saves(page_as):
    """Signing in again elsewhere gives a new session and token; the open form fetches the
    new token and saves."""
    page = page_as("icv")
    page.goto("/visits/new")
    other = page.context.new_page()
    other.goto("/visits/")
    sign_out(other)
    sign_in(other, "icv")
    page.get_by_label(OFFICER).fill("PS 8642")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    other.goto(page.url)
    expect(other.get_by_label(OFFICER)).to_have_value("PS 8642")


# b): a tab closed straight after typing ----------------------------------------------------

def test_a_tab_closed_right_after_typing_loses_nothing(page_as):
    page = page_as("icv")
    context = page.context
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 999")
    page.get_by_label(IN_CUSTODY, exact=True).fill("7")
    url = page.url
    assert DRAFT_URL.search(url), "the address moves to the draft as soon as typing begins"
    page.close()  # no waiting for the autosave

    again = context.new_page()
    again.goto("/visits/")
    on_phone = again.get_by_role("region", name="Only on this phone")
    expect(on_phone).to_contain_text("The server may not have it yet.")
    no_violations(again)
    on_phone.get_by_role("link", name=re.compile(r"^Visit report, ")).click()
    expect(again).to_have_url(url)
    expect(again.get_by_label(OFFICER)).to_have_value("PS 999")
    expect(again.get_by_label(IN_CUSTODY, exact=True)).to_have_value("7")


def test_every_blank_form_gets_its_own_id(page_as):
    page = page_as("icv")
    page.goto("/visits/new")
    first = page.locator('input[name="client_id"]').input_value()
    page.goto("/visits/new")
    second = page.locator('input[name="client_id"]').input_value()
    assert first != second
    page.get_by_label(OFFICER).fill("PS 1")
    assert client_id(page) == second
    form = page.locator("#report-form")
    assert form.get_attribute("action").endswith(f"/visits/drafts/{second}")
    assert form.get_attribute("data-autosave-url") == f"/visits/drafts/{second}/autosave"


# c) and d): the outbox, and one report however many times it is sent ------------------------

def test_a_report_finished_with_no_signal_waits_and_is_sent_once(page_as, live_server, screenshot):
    page = page_as("icv")
    page.goto("/visits/new")
    fill_complete_report(page, "44AB/20001/26")
    draft = client_id(page)

    page.context.set_offline(True)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(outbox(page)).to_contain_text("1 report waiting to send. It will be sent when you have signal.")
    screenshot(page, "offline-02-outbox", full_page=False)
    no_violations(page)
    expect(page.get_by_role("heading", level=1, name="Visit report")).to_be_visible()  # not an error page

    page.context.set_offline(False)
    expect(outbox(page)).to_contain_text("Sent: Brixton")
    report = outbox(page).get_by_role("link", name=re.compile(r"^Open report \d+$"))
    screenshot(page, "offline-03-sent", full_page=False)
    report.click()
    expect(page.get_by_role("heading", level=1, name="Visit to Brixton")).to_be_visible()
    assert len(visits_with(live_server.database, draft)) == 1
    assert local_keys(page) == ["icv:outbox", "icv:user"]
    assert page.evaluate("JSON.parse(localStorage.getItem('icv:outbox'))") == []


def test_a_post_that_fails_with_signal_showing_is_queued_by_the_service_worker(page_as, live_server):
    """The phone says it is online but nothing gets through: the worker sends the person back to
    the form, which puts the report in the outbox."""
    page = page_as("icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true})")
    fill_complete_report(page, "44AB/20002/26")
    draft = client_id(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(outbox(page)).to_contain_text("1 report waiting to send")
    expect(page).to_have_url(DRAFT_URL)
    page.context.set_offline(False)
    page.evaluate("dispatchEvent(new Event('online'))")
    expect(outbox(page)).to_contain_text("Sent: Brixton")
    assert len(visits_with(live_server.database, draft)) == 1


def test_a_double_tap_on_submit_makes_one_report(page_as, live_server):
    page = page_as("icv")
    page.goto("/visits/new")
    fill_complete_report(page, "44AB/20003/26")
    draft = client_id(page)
    continue_to_check(page)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    revision = page.locator('input[name="revision"]').input_value()
    page.get_by_role("button", name="Submit report").dblclick()
    expect(page).to_have_url(re.compile(r"/visits/\d+$"))
    number = int(page.url.rsplit("/", 1)[1])
    # The same submit sent again (a retry after a lost answer) lands on the same report.
    again = page.request.post(f"/visits/drafts/{draft}/submit", form={"csrf_token": token, "revision": revision})
    assert again.ok and again.url.endswith(f"/visits/{number}")
    assert [row[0] for row in visits_with(live_server.database, draft)] == [number]


# e) and f): the idle sign-out --------------------------------------------------------------

def test_continue_after_the_session_ended_keeps_the_draft(idle_page):
    page = idle_page(0.1)  # signed out after 6 seconds without a request
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 6060")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    draft = client_id(page)
    let_time_pass(page, 7)  # a break: the session ends
    page.get_by_label(IN_CUSTODY, exact=True).fill("3")  # back to it, and straight on
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_text("What you typed was saved as a draft: sign in to carry on.")).to_be_visible()
    email, password = LOGINS["icv"]
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"/visits/drafts/{draft}$"))
    expect(page.get_by_label(OFFICER)).to_have_value("PS 6060")
    expect(page.get_by_label(IN_CUSTODY, exact=True)).to_have_value("3")


def test_an_autosave_after_the_session_ended_keeps_the_typing(idle_page):
    page = idle_page(0.1)
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 7070")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    draft = client_id(page)
    let_time_pass(page, 7)
    page.get_by_label(IN_CUSTODY, exact=True).fill("5")
    expect(status(page)).to_have_text(
        "Signed out: sign in again, what you typed is kept on this phone. Sign in again")
    assert f"icv:draft:{draft}" in local_keys(page)
    status(page).get_by_role("link", name="Sign in again").click()
    email, password = LOGINS["icv"]
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"/visits/drafts/{draft}$"))
    expect(page.get_by_label(OFFICER)).to_have_value("PS 7070")
    expect(page.get_by_label(IN_CUSTODY, exact=True)).to_have_value("5")


def test_a_warning_before_the_sign_out_and_staying_signed_in(idle_page, screenshot):
    page = idle_page(25 / 60)  # the shortest with a warning: it opens 20 seconds before the end
    page.goto("/visits/")
    let_time_pass(page, 6)
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in \d+ seconds because you have not done anything"))
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    screenshot(page, "offline-04-session-warning", full_page=False)
    no_violations(page)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    left = page.evaluate("fetch('/session/status', {headers: {'X-Requested-With': 'fetch'}}).then(r => r.json())")
    assert left["signed_in"] is True and left["expires_in"] >= 20

    # Nothing done this time: the warning comes back, then says so when the time is up.
    let_time_pass(page, 6)
    expect(dialog).to_be_visible()
    let_time_pass(page, 20)
    ended = page.get_by_role("alertdialog", name="You have been signed out")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("You were signed out because you had not done anything for 25 seconds.")
    sign_in_again = ended.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_be_focused()
    sign_in_again.click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_the_warning_before_the_twelve_hours_are_up_says_so_and_keeps_the_typing(idle_page, screenshot):
    """Near the absolute limit "Stay signed in" cannot help: the warning says why it is ending,
    lets the person carry on typing until then, and the end says so too."""
    page = idle_page(24 * 60)  # no idle sign-out in the way: only the 12 hours
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 1212")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    let_time_pass(page, 12 * 3600 - 90)  # the page asks the server how long is left each minute
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_contain_text(re.compile(
        r"You will be signed out in \d+ (seconds|minutes?) because you have been signed in for 12 hours"))
    expect(dialog.get_by_role("button", name="Stay signed in")).to_have_count(0)
    screenshot(page, "offline-05-lifetime-warning", full_page=False)
    no_violations(page)
    dialog.get_by_role("button", name="Carry on until then").click()
    expect(dialog).to_be_hidden()
    page.get_by_label(IN_CUSTODY, exact=True).fill("4")  # still typing; kept whatever happens
    let_time_pass(page, 120)
    ended = page.get_by_role("alertdialog", name="You have been signed out")
    expect(ended).to_contain_text("You were signed out because you had been signed in for 12 hours.")
    expect(ended).to_contain_text("What you typed is kept on this phone.")
    draft = client_id(page)
    assert f"icv:draft:{draft}" in local_keys(page)


# g): the service worker ----------------------------------------------------------------------

def test_the_blank_form_opens_with_no_signal_and_other_pages_say_so(page_as):
    page = page_as("icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    first = page.locator('input[name="client_id"]').input_value()
    page.context.set_offline(True)
    page.goto("/visits/new")
    expect(page.get_by_role("heading", level=1, name="Visit report")).to_be_visible()
    assert page.locator('input[name="client_id"]').input_value() != first  # a new id every time
    page.goto("/visits/")
    expect(page.get_by_role("heading", level=1, name="No signal")).to_be_visible()
    page.get_by_role("link", name="start a new visit report").click()
    expect(page.get_by_label(OFFICER)).to_be_visible()

    # A draft saved on the server but not on this phone cannot open with no signal, and the
    # blank form never stands in for it (a save from it would wipe the draft).
    page.context.set_offline(False)
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 5555")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    page.context.set_offline(True)
    page.reload()
    expect(status(page)).to_have_text(re.compile(r"^No signal: this draft is saved on the server, not on this phone"))
    expect(page.get_by_label(OFFICER)).to_be_hidden()
    page.context.set_offline(False)
    expect(page.get_by_label(OFFICER)).to_have_value("PS 5555", timeout=SIGNAL_BACK)


# h): signing out -----------------------------------------------------------------------------

def test_signing_out_clears_the_phone_but_asks_first_about_unsent_reports(page_as):
    page = page_as("icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    page.get_by_label(OFFICER).fill("PS 2468")
    page.context.set_offline(True)
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(outbox(page)).to_contain_text("1 report waiting to send")

    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Sign out").click()
    expect(outbox(page)).to_contain_text("1 report waiting to send")  # still here, still signed in
    assert "1 report on this phone has not reached the server" in asked[0]
    assert "icv:outbox" in local_keys(page)

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out on this phone")).to_be_visible()
    page.context.set_offline(False)
    page.goto("/visits/")  # the service worker tells the server first: signed out there too
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.evaluate("JSON.parse(localStorage.getItem('icv:outbox') || '[]')") == []
    assert [k for k in local_keys(page) if k.startswith("icv:draft:")] == []
    assert page.evaluate("caches.match('/visits/new').then(r => !!r)") is False

    sign_in(page, "icv")
    page.goto("/visits/new")  # cached again; nothing unsent, so no question this time
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("caches.match('/visits/new').then(r => !!r)")
    sign_out(page)
    assert page.evaluate("caches.match('/visits/new').then(r => !!r)") is False
    assert [k for k in local_keys(page)] == []


def test_a_sign_out_with_no_signal_is_finished_when_the_phone_is_back_online(new_context, live_server,
                                                                            screenshot):
    """Sign out tapped in a basement: the phone shows it is signed out, keeps nothing, and the
    server is told as soon as there is signal, before any page opens. The phone never comes
    back signed in, and a copy of its cookie taken before the sign-out opens nothing."""
    context = new_context()
    page = context.new_page()
    sign_in(page, "icv")
    page.goto("/visits/new")
    controlled_by_worker(page)
    copied = context.cookies()
    session_cookie = next(c for c in copied if c["name"].endswith("session"))
    assert session_cookie["name"] == "__Host-session" and session_cookie["secure"]  # on http://127.0.0.1

    page.context.set_offline(True)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out on this phone")).to_be_visible()
    screenshot(page, "signed-out-with-no-signal")
    page.goto("/visits/")  # still no signal: nothing signed in shows
    expect(page.get_by_role("heading", name="You have signed out on this phone")).to_be_visible()
    with sqlite3.connect(live_server.database) as db:  # the server has not heard yet
        user_id = db.execute("SELECT id FROM users WHERE email = ?", [LOGINS["icv"][0]]).fetchone()[0]
        open_before = db.execute("SELECT count(*) FROM sessions WHERE user_id = ? AND ended_at IS NULL",
                                 [user_id]).fetchone()[0]
    assert open_before >= 1

    page.context.set_offline(False)
    page.goto("/visits/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_label("Email address")).to_be_visible()
    with sqlite3.connect(live_server.database) as db:
        reasons = db.execute("SELECT ended_reason FROM sessions WHERE user_id = ? ORDER BY id DESC LIMIT 1",
                             [user_id]).fetchone()
    assert reasons == ("signed_out",)
    page.wait_for_function("async () => !(await caches.has('icv-signout'))")

    thief = new_context(storage_state={"cookies": copied, "origins": []}).new_page()
    thief.goto("/visits/")
    expect(thief).to_have_url(re.compile(r"/login"))


def test_a_sign_out_left_waiting_is_finished_even_without_the_service_worker(new_context):
    """If the service worker is gone when the phone is back online, the first signed-in page
    finishes the sign-out itself and goes to sign in."""
    page = new_context(service_workers="block").new_page()
    sign_in(page, "icv")
    page.evaluate("caches.open('icv-signout').then(c => c.put('/token', new Response('x')))")
    page.goto("/visits/")
    expect(page).to_have_url(re.compile(r"/login"), timeout=10_000)
    page.goto("/visits/")
    expect(page).to_have_url(re.compile(r"/login"))
    # The waiting token is gone (the sign-in page's script clears any left; it may still be at it).
    page.wait_for_function("async () => !(await caches.has('icv-signout'))")


def test_a_save_while_the_database_is_busy_is_kept_and_tried_again(idle_page, short_server):
    """Another writer holds the database past the busy timeout: the autosave's 503 keeps the
    typing on the phone and says when it tries again; once the lock is gone it saves."""
    page = idle_page(30)
    page.goto("/visits/new")
    page.get_by_label(OFFICER).fill("PS 8080")
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    draft = client_id(page)
    short_server.app.config["DATABASE_BUSY_TIMEOUT_MS"] = 50
    holder = sqlite3.connect(short_server.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held
        page.get_by_label(IN_CUSTODY, exact=True).fill("7")
        expect(status(page)).to_have_text(
            "Not saved: the server is busy. What you typed is kept on this phone; "
            "we will try again in 5 seconds.")
        assert f"icv:draft:{draft}" in local_keys(page)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        short_server.app.config["DATABASE_BUSY_TIMEOUT_MS"] = 5000
    let_time_pass(page, 6)
    expect(status(page)).to_have_text(re.compile(r"^Saved at "))
    with sqlite3.connect(short_server.database) as conn:
        fields = conn.execute("SELECT fields FROM drafts WHERE client_id = ?", [draft]).fetchone()[0]
    assert '["in_custody", "7"]' in fields
