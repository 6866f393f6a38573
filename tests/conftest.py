"""Fixtures: app, client, runner, factories (make_suite, make_user, make_visit), login_as and
report_form (a complete valid POST of the visit report form), with helpers to build its fields."""
import html
import itertools
import re
import shutil
import uuid
from datetime import timedelta

import pytest
from flask_login import FlaskLoginClient
from jinja2 import BytecodeCache
from werkzeug.security import generate_password_hash

from icv import create_app
from icv.auth import User
from icv.db import connect, migrate
from icv.flags import FLAGS
from icv.times import london_today, now_iso, to_iso, utcnow
from icv.visits import questions as q
from icv.visits.store import record_visit

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


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database file with every migration applied, made once and copied for each test."""
    path = tmp_path_factory.mktemp("migrated") / "icv.sqlite"
    conn = connect(str(path))
    migrate(conn)
    conn.close()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def app(tmp_path, migrated_database):
    path = tmp_path / "icv.sqlite"
    shutil.copyfile(migrated_database, path)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "DATABASE": str(path),
    })
    app.test_client_class = FlaskLoginClient
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
                                    "status": status}).last_pk
    return make


@pytest.fixture
def make_user(db):
    """make_user(role="icv", **columns) -> User, password PASSWORD."""
    def make(role="icv", **overrides):
        n = next(_counter)
        row = {"email": f"{role}{n}@example.org", "display_name": f"{role.title()} Person {n}",
               "role": role, "password_hash": _PASSWORD_HASH, **overrides}
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
                                   or now_iso())
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


FACILITY_ITEMS = [item for item, _ in q.FACILITY_ITEMS]


def report_fields(suite_id, **overrides):
    """A complete, valid report as the form posts it (see the report_form fixture)."""
    data = {
        "client_id": str(uuid.uuid4()), "suite_id": str(suite_id), "visit_type": "routine",
        "visit_date": (london_today() - timedelta(days=1)).isoformat(),
        "arrival_time": "10:00", "admitted_time": "10:05", "departure_time": "11:00",
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
             **{flag.kind: "no" for flag in FLAGS}, **overrides}
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
    issues, visited alone (with a reason) yesterday 10:00 to 11:00 London time, let in at 10:05.
    Pass fields to override or add; a field given as None is left out."""
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
