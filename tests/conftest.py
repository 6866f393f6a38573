"""Fixtures: the pinned clock (every test runs at TEST_NOW), app, client, runner, factories
(make_suite, make_user, make_visit), login_as and report_form (a complete valid POST of the
visit report form), with helpers to build its fields; mailbox (the mail the app sent, caught by
a real SMTP server on loopback)."""
import email
import email.policy
import html
import itertools
import os
import re
import shutil
import socket
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from icv.accounts.testing import SignedInClient
from jinja2 import BytecodeCache
from werkzeug.security import generate_password_hash

from icv import create_app, rulebook, times
from icv.auth import User
from icv.db import connect, migrate
from icv.flags import FLAGS
from icv.times import LONDON, london_to_utc, now_iso, to_iso, utcnow
from icv.visits import questions as q
from icv.visits.store import record_visit
from review_helpers import make_eligible

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
_counter = itertools.count(1)


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept across tests. Every test makes a new app, and compiling the report
    form's templates again for each would be most of the suite's run time. Buckets are keyed by
    the template source's checksum, so an edited template is compiled afresh."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[(bucket.key, bucket.checksum)] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()

# The moment every test runs at, unless ICV_TEST_NOW says another. A Wednesday afternoon in
# winter: well after 11:00 London, when "yesterday 10:00 to 11:00" used to be over 24 hours ago.
DEFAULT_TEST_NOW = "2026-11-18T15:30"


def read_test_now(text):
    """The instant ICV_TEST_NOW names: London wall time "2027-03-28T00:30" (seconds optional;
    a time the clocks skip is moved on an hour, a repeated one is its first, summer-time reading),
    or an exact instant with a zone, "2027-03-28T00:30Z" or "2027-03-28T00:30+01:00"."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise pytest.UsageError(f"ICV_TEST_NOW={text!r} is not a date and time like 2027-03-28T00:30 "
                                "(London wall time) or 2027-03-28T00:30Z (UTC)") from None
    if moment.tzinfo is None:
        return london_to_utc(moment.date(), moment.time())
    return moment.astimezone(timezone.utc)


TEST_NOW = read_test_now(os.environ.get("ICV_TEST_NOW") or DEFAULT_TEST_NOW)
times.pin(TEST_NOW)  # already while test modules are collected, for anything they work out then


def pytest_report_header(config):
    source = "ICV_TEST_NOW" if os.environ.get("ICV_TEST_NOW") else "the default; set ICV_TEST_NOW for another"
    return f"icv clock pinned at {TEST_NOW.astimezone(LONDON):%a %-d %b %Y, %H:%M %Z} London ({source})"


class Clock:
    """The app's clock as a test sees it: clock.now, clock.advance(minutes=31) for time passing,
    clock.set(moment) for a test about a particular moment."""

    @property
    def now(self):
        return utcnow()

    def advance(self, **delta):
        times.advance(**delta)

    def set(self, moment):
        times.pin(moment)


@pytest.fixture(scope="session", autouse=True)
def pinned_clock():
    """The app's clock is pinned at TEST_NOW for the whole run (session fixtures, such as the
    browser tests' demo server, included): nothing depends on when the suite runs."""
    with times.pinned(TEST_NOW):
        yield TEST_NOW


@pytest.fixture(autouse=True)
def clock(pinned_clock):
    """Every test starts at TEST_NOW, however far the last one moved the clock."""
    times.pin(pinned_clock)
    yield Clock()
    times.pin(pinned_clock)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database file with every migration applied, made once and copied for each test."""
    path = tmp_path_factory.mktemp("migrated") / "icv.sqlite"
    conn = connect(str(path))
    migrate(conn)
    conn.close()  # the last connection closing folds the WAL into the file
    return path


class Mailbox:
    """An SMTP server's catch (aiosmtpd's handler): every message sent to it, parsed.

    mailbox.messages (oldest first, email.message.EmailMessage), mailbox.to(address),
    mailbox.last(address), mailbox.link(address) (the first http(s) address in the latest mail
    to `address`; the path only with path=True), mailbox.clear(); host and port to send to
    (mailbox.config: the app's MAIL_* settings for it)."""

    def __init__(self):
        self.messages = []
        self.host, self.port = "127.0.0.1", None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this per message
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    @property
    def config(self):
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_STARTTLS": False,
                "MAIL_FROM": "ICV <no-reply@icv.example.org>"}

    def clear(self):
        self.messages.clear()

    def to(self, address):
        """The messages sent to `address` (any case), oldest first."""
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def last(self, address):
        found = self.to(address)
        assert found, f"no mail to {address}; mail sent to: {[m['To'] for m in self.messages]}"
        return found[-1]

    def text(self, address):
        """The plain-text body of the latest mail to `address`."""
        return self.last(address).get_body(("plain",)).get_content()

    def link(self, address, path=False):
        """The first link in the latest mail to `address` (its path and query if path=True)."""
        found = re.search(r"https?://\S+", self.text(address))
        assert found, f"no link in the mail to {address}"
        url = found.group(0)
        return re.sub(r"^https?://[^/]+", "", url) if path else url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback for the whole run, catching every message."""
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """The mail sent during this test (the app fixture sends to this server): see Mailbox."""
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture
def app(tmp_path, migrated_database, smtp_server):
    path = tmp_path / "icv.sqlite"
    shutil.copyfile(migrated_database, path)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "DATABASE": str(path),
        "TWO_FACTOR_REQUIRED": False,  # as in `make run`; tests/test_twofactor.py turns it on
        **smtp_server.config,  # every mail the app sends lands in the mailbox fixture
    })
    app.test_client_class = SignedInClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


@pytest.fixture
def db(app):
    """A connection of the test's own to its database (no app context: requests keep theirs)."""
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_suite(db):
    def make(name=None, status="24_7"):
        return db["suites"].insert({"name": name or f"Suite {next(_counter)}",
                                    "status": status, "created_at": now_iso()}).last_pk
    return make


@pytest.fixture
def make_user(db):
    """make_user(role="icv", **columns) -> User, password PASSWORD."""
    def make(role="icv", **overrides):
        n = next(_counter)
        row = {"email": f"{role}{n}@example.org", "display_name": f"{role.title()} Person {n}",
               "role": role, "password_hash": _PASSWORD_HASH, "created_at": now_iso(),
               "updated_at": now_iso(), **overrides}
        user_id = db["users"].insert(row).last_pk
        return User(db["users"].get(user_id))
    return make


def finding_entry(**overrides):
    """A detainee entry as record_visit takes it; flags={} unless given."""
    return {"custody_record_no": f"01BX/{10000 + next(_counter)}/26", "age_band": "25-34",
            "gender": "male", "ethnicity": "not_stated", "flags": {}, **overrides}


@pytest.fixture
def make_visit(db, make_suite):
    """make_visit(user, entries=[...], **columns) -> visit id, saved as the form saves it."""
    def make(user, entries=(), suite_id=None, hours_ago=3, **overrides):
        arrived = utcnow() - timedelta(hours=hours_ago)
        report = {"client_id": str(uuid.uuid4()), "suite_id": suite_id or make_suite(),
                  "partner_id": None, "arrived_at": to_iso(arrived),
                  "departed_at": to_iso(arrived + timedelta(hours=1)),
                  "in_custody": 10, "spoke_with": 5, "entries": list(entries), **overrides}
        visit_id, _ = record_visit(db, user.id, report, submitted_at=overrides.get("submitted_at")
                                   or now_iso(), **rulebook.built_in())
        return visit_id
    return make


@pytest.fixture
def login_as(app, make_user):
    """login_as("coordinator") or login_as(user) -> a test client signed in as them."""
    def login(role_or_user, **overrides):
        user = make_user(role_or_user, **overrides) if isinstance(role_or_user, str) else role_or_user
        client = app.test_client(user=user)
        client.user = user
        return client
    return login


@pytest.fixture
def reviewer(login_as, db):
    """A signed-in ICV trained in custody record review, vetting in date."""
    client = login_as("icv")
    make_eligible(db, client.user.id)
    return client


FACILITY_ITEMS = [item for item, _ in q.FACILITY_ITEMS]


def recent_visit():
    """(London date, arrived, let in, left) of an hour-long visit that ended between one and
    two hours ago by the app's clock, on whole hours: at 15:30 that is today 13:00, 13:05 and
    14:00; at 00:30 yesterday 22:00, 22:05 and 23:00. Times are "HH:MM" London clock times;
    the visit may end after midnight (a departure before the arrival is the next day)."""
    arrived = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    arrived, left = arrived.astimezone(LONDON), (arrived + timedelta(hours=1)).astimezone(LONDON)
    return arrived.date(), f"{arrived:%H:%M}", f"{arrived + timedelta(minutes=5):%H:%M}", f"{left:%H:%M}"


def clock_time(hhmm, minutes):
    """"HH:MM" moved on (or back) some minutes round the clock: clock_time("23:30", 45) == "00:15"."""
    moved = datetime.strptime(hhmm, "%H:%M") + timedelta(minutes=minutes)
    return f"{moved:%H:%M}"


def report_fields(suite_id, **overrides):
    """A complete, valid report as the form posts it (see the report_form fixture)."""
    day, arrived, admitted, left = recent_visit()
    data = {
        "client_id": str(uuid.uuid4()), "suite_id": str(suite_id), "visit_type": "routine",
        "visit_date": day.isoformat(),
        "arrival_time": arrived, "admitted_time": admitted, "departure_time": left,
        "admission_delay_reason": "", "partner_id": "alone",
        "single_visitor_reason": "My partner was unwell on the day.", "custody_officer": "PS 1234",
        "in_custody": "6",
        **{f"groups-{name}": "0" for name, _, _ in q.GROUP_COUNTS},
        "outcomes-spoke_with": "2", "outcomes-observed_only": "1", "outcomes-declined": "1",
        "outcomes-not_seen": "2",
        **{f"not_seen_reasons-{name}": "" for name, _ in q.NOT_SEEN_REASONS},
        "not_seen_reasons-asleep": "2",
        "offered": "3", "cells_in_use": "6", "cells_out_of_order": "0",
        **detainee_fields(0),
        **{f"facilities-{item}": "ok" for item in FACILITY_ITEMS},
        **{f"facilities-{item}_note": "" for item in FACILITY_ITEMS},
        "good_practice": "", "general_comments": "", "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def detainee_fields(n, **overrides):
    """detainees-<n>-* fields of one valid entry: an adult who spoke with the visitors, no flags.
    Overrides are keyed without the prefix: consent="declined", **{"checks-aa": "present"}."""
    entry = {"entry_key": uuid.uuid4().hex, "custody_record_no": f"01BX/{12345 + n}/26",
             "age_band": "25-34", "appears_under_18": "no", "gender": "male",
             "ethnicity": "white_british", "consent": "yes", "checks-told_rights": "yes",
             **{flag.kind: "no" for flag in FLAGS if flag.kind != "child"}, **overrides}  # child: not asked
    return {f"detainees-{n}-{k}": v for k, v in entry.items() if v is not None}


def issue_fields(n, **overrides):
    """issues-<n>-* fields of one complete issue raised with staff."""
    issue = {"category": "food_drink", "description": "No hot drinks offered since 06:00.",
             "raised_with": "Custody sergeant", "resolved_at_visit": "yes", **overrides}
    return {f"issues-{n}-{k}": v for k, v in issue.items() if v is not None}


def draft_url(data, suffix=""):
    """The address a report form with this data posts to (its draft), plus e.g. "/check"."""
    return f"/visits/drafts/{data['client_id']}{suffix}"


@pytest.fixture
def report_form(make_suite):
    """report_form(**fields) -> POST data for /visits/drafts/<client_id>: a complete valid report
    with action=submit. One adult detainee who spoke with the visitors (no flags), six in
    custody (2 spoke with, 1 observed, 1 declined, 2 not seen: asleep), every facility OK, no
    issues, visited alone (with a reason) for an hour that ended one to two hours before the
    app's (pinned) clock, let in 5 minutes after arriving (see recent_visit()): sent at once, so
    never late. Pass fields to override or add (clock_time(data["arrival_time"], 11) for a time
    relative to the visit's); a field given as None is left out."""
    def make(suite_id=None, **overrides):
        return report_fields(make_suite() if suite_id is None else suite_id, **overrides)
    return make


def form_values(page):
    """{name: value} of every field in an HTML page, read in one pass: an input's value, the
    checked radio's value, the selected option's value or a textarea's text. A radio group or
    select with nothing chosen is None."""
    found = {}
    for tag in re.finditer(r'<(select|textarea|input)\b([^>]*)>', page):
        kind, attrs = tag.groups()
        name = re.search(r'\bname="([^"]*)"', attrs)
        if not name:
            continue
        name, value = html.unescape(name.group(1)), re.search(r'\bvalue="([^"]*)"', attrs)
        value = html.unescape(value.group(1)) if value else None
        if kind == "select":
            body = page[tag.end():page.index("</select>", tag.end())]
            option = re.search(r'<option selected value="([^"]*)"', body)
            found[name] = html.unescape(option.group(1)) if option else None
        elif kind == "textarea":
            body = page[tag.end():page.index("</textarea>", tag.end())]
            found[name] = html.unescape(body.removeprefix("\r\n"))
        elif 'type="radio"' in attrs:
            found.setdefault(name, None)
            if re.search(r"\bchecked\b", attrs):
                found[name] = value
        else:
            found.setdefault(name, value)
    return found


def form_value(page, name):
    """What the field called `name` shows in an HTML page (see form_values); None when nothing
    is there or chosen."""
    return form_values(page).get(name)


def page_text(response):
    """The page as a person reads it (entities such as &#39; turned back into characters)."""
    return html.unescape(response.get_data(as_text=True))


def error_messages(response):
    """The messages in the page's error summary ("There is a problem"), in order."""
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    if not summary:
        return []
    return [html.unescape(m) for m in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>',
                                                 summary.group(0), re.S)]


def notices(response):
    """The flashed messages shown at the top of a page."""
    page = response.get_data(as_text=True)
    return [html.unescape(m.strip())
            for m in re.findall(r'<div class="notice" role="status">(.*?)</div>', page, re.S)]


def assert_kept(response, data, skip=()):
    """Every value the person typed or chose is still in the re-shown form."""
    shown = form_values(response.get_data(as_text=True))
    for name, value in data.items():
        if name in ("action", "csrf_token") or name in skip:
            continue
        if name.endswith("custody_record_no"):
            value = value.strip().upper()
        assert shown.get(name) == str(value), name
