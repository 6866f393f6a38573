"""Fixtures: app, client, runner, factories (make_suite, make_user, make_visit) and login_as."""
import html
import itertools
import re
import uuid
from datetime import timedelta

import pytest
from flask_login import FlaskLoginClient
from werkzeug.security import generate_password_hash

from icv import create_app
from icv.auth import User
from icv.db import connect, get_db, migrate
from icv.times import london_today, now_iso, to_iso, utcnow
from icv.visits import record_visit

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose
_counter = itertools.count(1)


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "DATABASE": str(tmp_path / "icv.sqlite"),
    })
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        migrate(get_db())
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


@pytest.fixture
def report_form(make_suite):
    """report_form(**fields) -> POST data for /visits/new: a valid one-detainee report, no flags,
    visited alone yesterday 10:00 to 11:00 London time; pass fields to override or add."""
    def make(suite_id=None, **overrides):
        data = {
            "client_id": str(uuid.uuid4()),
            "suite_id": str(make_suite() if suite_id is None else suite_id),
            "partner_id": "alone", "visit_date": (london_today() - timedelta(days=1)).isoformat(),
            "arrival_time": "10:00", "departure_time": "11:00",
            "in_custody": "6", "spoke_with": "2",
            "detainees-0-custody_record_no": "01BX/12345/26", "detainees-0-age_band": "25-34",
            "detainees-0-gender": "male", "detainees-0-ethnicity": "white_british",
            "detainees-0-strip_search": "no", "detainees-0-use_of_force": "no",
            "detainees-0-child": "no", "action": "submit",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}
    return make


def form_value(page, name):
    """What the field called `name` shows in an HTML page: an input's value, the checked radio's
    value or the selected option's value; None when nothing is there or chosen."""
    quoted = re.escape(name)
    select = re.search(rf'<select[^>]*\bname="{quoted}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        option = re.search(r'<option selected value="([^"]*)"', select.group(1))
        return html.unescape(option.group(1)) if option else None
    for tag in re.findall(rf'<input[^>]*\bname="{quoted}"[^>]*>', page):
        if 'type="radio"' in tag and not re.search(r"\bchecked\b", tag):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        return html.unescape(value.group(1)) if value else None
    return None
