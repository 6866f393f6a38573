"""Fuzzing (issue 13): Hypothesis sends hostile input to every route and every form, as every role.

Huge, empty and unicode strings (right-to-left overrides, emoji, combining marks, NUL, bytes that
are not UTF-8, UTF-8-encoded surrogates), negative, huge and non-numbers, wrong types, missing and
repeated fields and tampered ids (another person's, ones that do not exist, ones that are not
numbers or UUIDs) must always get a 4xx, a form page with its errors, or (genuinely valid input)
a success: never a 5xx, never a redirect off the site, and never anything half-written. After a
refused request the tables it could touch hold exactly what they held before (sign-in sessions,
the sign-in throttle and the audit log, which record the refusal itself, excepted; and a report's
or review's draft, which keeps what was typed even when it is not yet valid), and
`PRAGMA integrity_check` is ok.

Routes come from tests/test_permissions.py's MATRIX (which test_matrix_covers_every_route keeps
equal to the app's url_map); the forms and their fields from the real pages: every page each
role can open is read once and its <form>s (action, method, fields, the choices of each select,
radio and button) are what the form tests post to, so a new field or form is fuzzed without
anyone listing it here.

Two sizes (Hypothesis profiles): "fuzz-sample", a small, fixed (derandomised) sample inside the
default `make test`, and "fuzz-long", over 10,000 cases across these tests, random each run:
`make fuzz` (FUZZ_PROFILE=fuzz-long; FUZZ_EXAMPLES=n sets the examples per test). No example
database is kept (database=None). deadline=None: the suite runs on a pinned clock on a shared
machine, and a slow example is not a failure.
"""
import hashlib
import html
import json
import os
import random
import re
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from icv import create_app, demo, people, rulebook
from icv.accounts import links, sessions
from icv.accounts.testing import SignedInClient
from icv.auth import ANONYMOUS, ROLE_NAMES, User
from icv.db import connect
from icv.drafts import store as drafts
from icv.reviews import store as reviews_store
from icv.times import london_today, now_iso
from icv.visits import store
from conftest import PASSWORD, TEMPLATE_CACHE
from review_helpers import make_eligible, make_review, review_fields
from test_permissions import MATRIX

pytestmark = pytest.mark.fuzz

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("fuzz-sample", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("fuzz-long", max_examples=2500, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("FUZZ_PROFILE", "fuzz-sample"))
if os.environ.get("FUZZ_EXAMPLES"):
    PROFILE = settings(PROFILE, max_examples=int(os.environ["FUZZ_EXAMPLES"]))


def fuzz_settings(share=1.0):
    """This profile's settings, `share` of its examples for a test that covers less."""
    return settings(PROFILE, max_examples=max(5, int(PROFILE.max_examples * share)))


ROLES = [ANONYMOUS, *ROLE_NAMES]
TALLY = Counter()  # responses by status, over the module's run
# Written by a refused request too: its sign-in session (each example signs in afresh), the
# sign-in throttle (a wrong password counts), the audit log (refusals are logged on purpose).
RECORDS_REFUSALS = {"sessions", "sign_in_throttle", "audit_log", "_sqlite_migrations"}
DRAFT_SAVE = re.compile(r"/(visits|reviews)/drafts/[^/]+$")  # keeps what was typed, valid or not

# Hostile values ---------------------------------------------------------------------------------

NASTY = [
    "", " ", "\t\n", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd",  # RTL
    "\u0645\u0631\u062d\u0628\u0627", "👩🏽‍⚕️🚓", "🏳️‍🌈" * 50, "e\u0301\u0302\u0303\u0304" * 30,  # emoji, combining
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359", "\ufeff", "\u2028\u2029", "\uffff",
    "'; DROP TABLE visits; --", "\" OR 1=1 --", "<script>alert(1)</script>", "{{7*7}}", "${7*7}",
    "%s%n%x", "../../../etc/passwd", "NaN", "inf", "-inf", "-0", "1e309", "0x10", "1_000",
    "-1", "0", "-9223372036854775809", "9223372036854775808", "18446744073709551616", "9" * 400,
    "１２", "\u0663", "²", "true", "null", "[]", "{}", "y", "on", "2026-02-30", "0000-00-00",
    "9999-12-31", "31/12/2026", "24:00", "25:61", "-01:00", "12:00:00", "submit", "remove:",
    "remove:detainees-0", "remove:detainees-99999", "add_detainee", "check", "save:other",
]
NOT_UTF8 = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff\xfe", b"\xc0\xaf", b"\x80", b"abc\xe2\x82"]

text_values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),  # any unicode but lone surrogates (no str carries those to UTF-8)...
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # ...so these go as
    st.sampled_from(NOT_UTF8),  # the UTF-8-shaped bytes of a surrogate, or not UTF-8 at all
    st.integers(min_value=-2**80, max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(lambda c, n: c * n, st.sampled_from(["A", "é", "😀", "\x00", "9"]),
              st.sampled_from([1_001, 5_000, 40_000, 300_000])),  # past every box's limit
)


def as_bytes(value):
    """A form value as it goes on the wire: UTF-8, with a lone surrogate's own bytes."""
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(pairs):
    return "&".join(f"{quote_from_bytes(as_bytes(k))}={quote_from_bytes(as_bytes(v))}"
                    for k, v in pairs).encode("ascii")


def int_ids(world):
    return st.one_of(st.sampled_from(world.int_ids), st.sampled_from(
        ["0", "999999", str(2**31), str(2**63 - 1), str(2**63), str(2**64), "1" * 40,
         "-1", "1.0", "abc", "\u0663", "１", "%00", ""]))


def client_ids(world):
    return st.one_of(st.sampled_from(world.client_ids), st.uuids().map(str),
                     st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                     st.sampled_from(["not-a-uuid", "x" * 2000, "..", "%2e%2e", "%00",
                                      "00000000-0000-0000-0000-000000000000", "😀", "\u202e",
                                      "{client_id}"]))


# The world: one database, people of every role, and records of theirs and of others -------------

class World:
    """One app and database for this module's tests (a fresh one per test would be the run's
    whole time): actors of every role, their records and others', and every form their pages
    show."""

    def __init__(self, app):
        self.app = app
        self.db = connect(app.config["DATABASE"])
        password = generate_password_hash(PASSWORD)
        n = uuid.uuid4().hex[:6]
        self.users = {role: User(people.get(self.db, people.add(
            self.db, f"fuzz-{role}-{n}@example.org", f"Fuzz {role}", role, password)))
            for role in ROLE_NAMES}
        icv, other = self.users["icv"], people.add(self.db, f"other-{n}@example.org", "Other ICV",
                                                   "icv", password)
        make_eligible(self.db, icv.id)
        make_eligible(self.db, other)
        self.actors = {u.id: self.actor_state(u.id) for u in self.users.values()}
        suite = self.db["suites"].insert({"name": f"Fuzz suite {n}", "status": "24_7",
                                          "created_at": now_iso()}).last_pk
        panel = self.db["panels"].insert({"name": f"Fuzz panel {n}"}).last_pk
        self.db["panel_suites"].insert({"panel_id": panel, "suite_id": suite})
        own_visit, own_draft = self.visit(icv.id, suite, other)
        others_visit, others_draft = self.visit(other, suite, icv.id)
        lone_visit, _ = self.visit(other, suite, None)
        escalations = [r["id"] for r in self.db["escalations"].rows]
        own_review, others_review = make_review(self.db, [icv.id]), make_review(self.db, [other])
        for review, user_id in ((own_review, icv.id), (others_review, other)):
            fields = review_fields(review)
            reviews_store.save_draft(self.db, review["id"], user_id,
                                     [[k, v] for k, v in fields.items() if k != "action"])
        invited = people.add(self.db, f"invited-{n}@example.org", "Ida Newman", "icv", None)
        inactive = people.add(self.db, f"gone-{n}@example.org", "Ian Left", "icv", password)
        people.set_active(self.db, inactive, False)
        token = links.issue(self.db, invited, "invitation")
        other_session = sessions.start(self.db, icv.id, "Other phone", "10.0.0.2")
        session_id = sessions.current(self.db, other_session)["id"]
        # A row's own ids; tests draw from these and tampered ones for every slot.
        self.ids = {
            "visit_id": [own_visit, others_visit, lone_visit], "client_id": [own_draft, others_draft],
            "escalation_id": escalations or [1],
            "review_client_id": [own_review["client_id"], others_review["client_id"]],
            "review_id": [own_review["id"], others_review["id"]],
            "batch_id": [own_review["batch_id"], others_review["batch_id"]],
            "record_id": [own_review["record_id"], others_review["record_id"]],
            "user_id": [icv.id, other, invited], "account_id": [other, icv.id, self.users["admin"].id],
            "invited_id": [invited], "inactive_id": [inactive], "token": [token],
            "session_id": [session_id], "suite_id": [suite], "panel_id": [panel],
        }
        self.int_ids = sorted({str(i) for k, v in self.ids.items() if k not in (
            "client_id", "review_client_id", "token") for i in v})
        self.client_ids = self.ids["client_id"] + self.ids["review_client_id"]
        self.forms = self.harvest()

    def visit(self, author, suite, partner):
        """A submitted report by `author` (with `partner`, or alone, which raises an escalation)
        and a draft correcting it."""
        day = london_today() - timedelta(days=2)
        _, report, submitted = demo.visit_report(random.Random(author), suite,
                                                 [author, partner], partner is None, day)
        visit_id, _ = store.record_visit(self.db, author, report, submitted_at=submitted,
                                         **rulebook.built_in())
        client_id = str(uuid.uuid4())
        fields = ([["client_id", client_id], ["base_version", "1"],
                   ["correction_reason", "A typing slip."]] + store.fields_for_visit(self.db, visit_id))
        drafts.save(self.db, "visit", client_id, author, fields, visit_id=visit_id)
        return visit_id, client_id

    def actor_state(self, user_id):
        row = people.account(self.db, user_id)  # deactivated by an earlier example, perhaps
        return {k: row[k] for k in ("role", "active", "deactivated_at", "crr_trained",
                                    "vetting_expires_on", "password_hash")}

    def client(self, role):
        """A client signed in afresh as this role's actor (an earlier example may have ended
        their sessions, deactivated them or changed their role: put back first)."""
        if role == ANONYMOUS:
            return self.app.test_client()
        user = self.users[role]
        if self.actor_state(user.id) != self.actors[user.id]:
            people.update(self.db, user.id, self.actors[user.id])
        return self.app.test_client(user=User(people.get(self.db, user.id)))

    def fill(self, path, pick):
        """A MATRIX path with each {slot} filled by pick(slot)."""
        return re.sub(r"\{(\w+)\}", lambda m: pick(m.group(1)), path)

    def harvest(self):
        """Every <form> on every page each role can open: (role, method, action, fields)."""
        found, seen = [], set()
        for method, path, *expected in MATRIX:
            if method != "GET":
                continue
            for role, status in zip(ROLES, expected):
                if status != 200:
                    continue
                address = self.fill(path, lambda slot: str(self.ids[slot][0]))
                response = self.client(role).get(address)
                if response.mimetype != "text/html":
                    continue  # the downloads
                page = response.get_data(as_text=True)
                for form in parse_forms(page, address):
                    key = (role, form[0], re.sub(r"/\d+(?=/|$)", "/<id>", form[1]), tuple(f[0] for f in form[2]))
                    if key not in seen:
                        seen.add(key)
                        found.append((role, *form))
        return found


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
FIELD = re.compile(r"<(select|textarea|input|button)\b([^>]*)>", re.S)


def attr(attrs, name):
    found = re.search(rf'\b{name}="([^"]*)"', attrs)
    return html.unescape(found.group(1)) if found else None


def parse_forms(page, address):
    """[(method, action, [(name, value or None, [choices])])] of the page's forms, in order."""
    forms = []
    for match in FORM.finditer(page):
        attrs, body = match.groups()
        action = attr(attrs, "action") or address
        if urlsplit(action).netloc or not action.startswith("/"):
            continue
        fields = {}
        for tag in FIELD.finditer(body):
            kind, tattrs = tag.groups()
            name = attr(tattrs, "name")
            if not name:
                continue
            value, choices = attr(tattrs, "value"), []
            if kind == "select":
                options = body[tag.end():body.find("</select>", tag.end())]
                choices = [html.unescape(v) for v in re.findall(r'<option[^>]*value="([^"]*)"', options)]
                value = choices[0] if choices else ""
            elif kind == "textarea":
                value = html.unescape(body[tag.end():body.find("</textarea>", tag.end())].removeprefix("\n"))
            elif kind == "button" or attr(tattrs, "type") in ("radio", "checkbox", "submit"):
                choices = [value] if value is not None else []
                if kind != "button" and not re.search(r"\bchecked\b", tattrs) and name in fields:
                    value = fields[name][0]
            entry = fields.setdefault(name, [value, []])
            entry[1].extend(c for c in choices if c not in entry[1])
            if kind == "button" or (entry[0] is None):
                entry[0] = entry[0] if kind == "button" and entry[0] is not None else value
        method = (attr(attrs, "method") or "get").upper()
        forms.append((method, action.split("#")[0], [(n, v, c) for n, (v, c) in fields.items()]))
    return forms


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_database, smtp_server):
    path = tmp_path_factory.mktemp("fuzz") / "icv.sqlite"
    path.write_bytes(migrated_database.read_bytes())
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "DATABASE": str(path), "TWO_FACTOR_REQUIRED": False, **smtp_server.config})
    app.test_client_class = SignedInClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    built = World(app)
    yield built
    built.db.close()
    # What the run sent and got, for docs/benchmarks.md (test-results/ is git-ignored).
    Path("test-results").mkdir(exist_ok=True)
    Path("test-results/fuzz.txt").write_text(
        f"profile {os.environ.get('FUZZ_PROFILE', 'fuzz-sample')}, {sum(TALLY.values())} requests\n"
        + "".join(f"{key}: {n}\n" for key, n in sorted(TALLY.items())))


# What must hold after every request ---------------------------------------------------------------

def snapshot(db):
    """Each table's row count and a digest of its content, but the tables a refusal writes."""
    shot = {}
    for table in db.table_names():
        if table in RECORDS_REFUSALS:
            continue
        digest = hashlib.sha256()
        count = 0
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY rowid"):
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
            count += 1
        shot[table] = (count, digest.hexdigest())
    return shot


def send(world, role, method, address, pairs=(), fetch=False, body=None, content_type=None):
    """One request as `role`; asserts it was answered safely and left nothing half-written."""
    db = world.db
    client = world.client(role)  # before the snapshot: signing in writes
    before = snapshot(db)
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    if body is None and method != "GET":
        body, content_type = urlencoded(pairs), "application/x-www-form-urlencoded"
    elif method == "GET" and pairs:
        address += ("&" if "?" in address else "?") + urlencoded(pairs).decode()
    response = client.open(address, method=method, data=body, content_type=content_type,
                           headers=headers)
    response.get_data()
    status = response.status_code
    TALLY[status] += 1
    assert status < 500, f"{status} from {method} {address} as {role}"
    if 300 <= status < 400:
        location = response.location or ""
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    after = snapshot(db)
    if status >= 400:
        if method == "POST" and DRAFT_SAVE.search(urlsplit(address).path):
            before.pop("drafts"), after.pop("drafts")
        changed = [t for t in before if before[t] != after.get(t)]
        assert not changed, f"{status} from {method} {address} as {role}, yet {changed} changed"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not db.execute("PRAGMA foreign_key_check").fetchall()
    return response


# Every route as every role, ids tampered ----------------------------------------------------------

ROUTES = [(method, path) for method, path, *_ in MATRIX]
QUERY_NAMES = ["area", "period", "edition", "page", "next", "v", "client_id", "status", "assigned",
               "suite", "q", "kind", "from", "to", "action", "formdata"]


@st.composite
def route_requests(draw, world):
    method, path = draw(st.sampled_from(ROUTES))
    base, _, query = path.partition("?")
    pick = {}

    def slot(name):
        if name not in pick:
            own = st.sampled_from([str(i) for i in world.ids[name]])
            tampered = client_ids(world) if name in ("client_id", "review_client_id", "token") \
                else int_ids(world)
            pick[name] = quote_from_bytes(as_bytes(draw(st.one_of(own, tampered))), safe="")
        return pick[name]

    address = world.fill(base, slot) + ("?" + query if query and draw(st.booleans()) else "")
    names = st.one_of(st.sampled_from(QUERY_NAMES), text_values)
    pairs = draw(st.lists(st.tuples(names, text_values), max_size=6))
    return draw(st.sampled_from(ROLES)), method, address, pairs, draw(st.booleans())


def test_every_route_as_every_role(world):
    """Any route, any role, real and tampered ids, odd query strings and fields: never a 5xx."""
    @fuzz_settings()
    @given(route_requests(world))
    @example((ANONYMOUS, "GET", "/login", [("next", "//evil.example.org/")], False))
    @example(("admin", "GET", "/visits/" + str(2**64), [], False))
    def check(request):
        role, method, address, pairs, fetch = request
        send(world, role, method, address, pairs, fetch)
    check()


# Every form as every role, with its real fields ---------------------------------------------------

def mutate(draw, world, fields):
    """The form's own fields (its current, valid values), then a few hostile changes: a value
    replaced, a field left out or repeated, another choice, an unknown or out-of-range field."""
    pairs = [[name, value] for name, value, _ in fields if value is not None]
    choices = {name: options for name, _, options in fields if options}
    if "action" in choices and draw(st.booleans()):  # a report's or review's buttons, and the
        # check and submit the page's last button and its outbox send
        buttons = choices["action"] + (["check", "submit"] if "client_id" in choices or any(
            n == "client_id" for n, _, _ in fields) else [])
        pairs = [p for p in pairs if p[0] != "action"] + [["action", draw(st.sampled_from(buttons))]]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["hostile", "omit", "repeat", "choice", "extra", "empty-all"]))
        if kind == "extra" or not pairs:
            stem = draw(st.sampled_from([n for n, _, _ in fields] or ["x"]))
            name = draw(st.one_of(text_values, st.just(re.sub(r"-\d+-", f"-{draw(st.sampled_from(['99999', '-1', 'x', '']))}-", stem))))
            pairs.append([name, draw(text_values)])
            continue
        i = draw(st.integers(0, len(pairs) - 1))
        if kind == "hostile":
            pairs[i][1] = draw(text_values)
        elif kind == "omit":
            del pairs[i]
        elif kind == "repeat":
            pairs.insert(i, [pairs[i][0], draw(st.one_of(text_values, st.just(pairs[i][1])))])
        elif kind == "choice" and pairs[i][0] in choices:
            pairs[i][1] = draw(st.sampled_from(choices[pairs[i][0]]))
        elif kind == "empty-all":
            pairs = [[n, ""] for n, _ in pairs]
    return pairs


def tamper(draw, world, action):
    """The form's address, or the same with one of its ids swapped for another or a bad one."""
    parts = action.split("/")
    spots = [i for i, p in enumerate(parts) if p.isdigit() or re.fullmatch(r"[0-9a-f-]{36}", p)]
    if not spots or draw(st.integers(0, 3)):
        return action
    i = draw(st.sampled_from(spots))
    value = draw(int_ids(world) if parts[i].isdigit() else client_ids(world))
    parts[i] = quote_from_bytes(as_bytes(value), safe="")
    return "/".join(parts)


@st.composite
def form_posts(draw, world, only=None):
    forms = [f for f in world.forms if only is None or only(f)]
    owner, method, action, fields = draw(st.sampled_from(forms))
    role = draw(st.one_of(st.just(owner), st.sampled_from(ROLES)))  # mostly its own people
    action = tamper(draw, world, action)
    pairs = mutate(draw, world, fields)
    fetch = draw(st.booleans())
    if method == "POST" and DRAFT_SAVE.search(action) and draw(st.booleans()):
        action += "/autosave"  # the same fields, as app.js sends them
    return role, method, action, pairs, fetch


def draft_form(form):
    return DRAFT_SAVE.search(form[2]) is not None


def test_the_forms_are_found(world):
    """The harvest reaches the forms that matter, so the tests below post to them."""
    # Whole segments only: a set-password token may start with a figure ("/0upIf...").
    actions = {re.sub(r"/(?:[0-9a-f-]{36}|\d+)(?=/|$)", "/<id>", action) for _, _, action, _ in world.forms}
    for expected in ["/login", "/visits/drafts/<id>", "/reviews/drafts/<id>", "/escalations/<id>/claim",
                     "/escalations/<id>/notes", "/escalations/bulk", "/reviews/batches/new",
                     "/reviews/batches/<id>/records", "/accounts/invite", "/accounts/<id>/role",
                     "/suites/new", "/panels/new", "/accounts/me/password", "/accounts/forgot",
                     "/accounts/set-password/" + world.ids["token"][0]]:
        assert expected in actions


@pytest.mark.parametrize("which", ["reports and reviews", "everything else"])
def test_every_form_as_every_role(world, which):
    """A form's real fields with hostile changes, posted by its people and by everyone else."""
    only = draft_form if which == "reports and reviews" else (lambda f: not draft_form(f))

    @fuzz_settings()
    @given(form_posts(world, only))
    def check(request):
        role, method, action, pairs, fetch = request
        send(world, role, method, action, pairs, fetch)
    check()


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data",
                                          "application/x-www-form-urlencoded"])
def test_bodies_of_the_wrong_type(world, content_type):
    """JSON (lone surrogates escaped in it too), plain text, broken multipart or broken
    urlencoding, to any form: refused or ignored, never a crash."""
    @fuzz_settings(0.25)
    @given(st.sampled_from([f for f in world.forms if f[1] == "POST"]), st.one_of(
        st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | text_values.filter(
            lambda v: isinstance(v, str)), lambda inner: st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8).map(
            lambda v: json.dumps(v).encode()),
        st.binary(max_size=200), st.sampled_from([b"%", b"a=%zz&b=%", b"=&=&&", b"a" * 100_000,
                                                  b"--x\r\nContent-Disposition: form-data\r\n\r\n"])))
    @example(next(f for f in world.forms if f[2] == "/login"), b"true")  # was a 500: TypeError
    @example(next(f for f in world.forms if f[2] == "/login"), b'["a"]')  # was a 500: ValueError
    def check(form, body):
        role, _, action, _ = form
        send(world, role, "POST", action, body=body, content_type=content_type,
             fetch=content_type == "application/json")
    check()


# CSRF on: a post without its token is a 400, and changes nothing ---------------------------------

@pytest.fixture(scope="module")
def csrf_world(world):
    app = create_app({**{k: world.app.config[k] for k in ("DATABASE", "MAIL_SERVER", "MAIL_PORT",
                                                          "MAIL_USE_STARTTLS", "MAIL_FROM")},
                      "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": True,
                      "TWO_FACTOR_REQUIRED": False})
    app.test_client_class = SignedInClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    guarded = World.__new__(World)
    guarded.__dict__.update(world.__dict__, app=app)
    return guarded


def test_posts_without_a_csrf_token_are_refused(csrf_world):
    """With CSRF protection on (as in production) a post with no token, an empty one or a
    forged one is refused with a 4xx (for anyone signed in) and changes nothing."""
    posts = [f for f in csrf_world.forms if f[1] == "POST"]

    @fuzz_settings(0.5)
    @given(st.sampled_from(posts), st.sampled_from(ROLES),
           st.sampled_from([None, "", "forged", "\x00", "IjEi.abc.def"]), st.booleans(),
           st.data())
    def check(form, role, token, fetch, data):
        _, _, action, fields = form
        pairs = mutate(data.draw, csrf_world, fields)
        pairs = [p for p in pairs if p[0] != "csrf_token"]
        if token is not None:
            pairs.append(["csrf_token", token])
        response = send(csrf_world, role, "POST", action, pairs, fetch)
        if role != ANONYMOUS:
            assert 400 <= response.status_code < 500, (action, role, response.status_code)
    check()
