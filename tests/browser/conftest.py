"""Real-browser fixtures: the app with demo data on a local port, Debian's Chromium through
Playwright's sync API, and a fresh phone-sized context for every test.

The server runs in this process, so the app's clock is the one tests/conftest.py pins (the demo
data is made relative to it too); each context's clock starts at that moment (Playwright's
clock), so the phone and the server agree on the date whatever the machine's clock says.

Playwright never downloads a browser here: it drives CHROMIUM_PATH, else `chromium` on PATH,
else /usr/bin/chromium. Without that browser (or without the playwright package) the browser
tests skip and the end of the run says so loudly; with REQUIRE_BROWSER=1 (as in CI) they fail.
"""
import contextlib
import os
import random
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from icv import create_app, demo, people
from icv.accounts import sessions
from icv.db import connect, migrate
from icv.times import utcnow

from .helpers import LOGINS

try:
    from playwright.sync_api import sync_playwright
except ImportError as error:  # reported by the `playwright_instance` fixture: skip or fail
    sync_playwright = None
    PLAYWRIGHT_IMPORT_ERROR = error
else:
    PLAYWRIGHT_IMPORT_ERROR = None
try:
    import axe_playwright_python.sync_playwright  # noqa: F401 (test_accessibility.py uses it)
except ImportError as error:
    AXE_IMPORT_ERROR = error
else:
    AXE_IMPORT_ERROR = None

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# A London volunteer's phone: 390x844 CSS pixels at 3x, touch, British English, London time.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True, "locale": "en-GB", "timezone_id": "Europe/London"}
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
SCREENSHOTS = RESULTS / "screenshots"
# The report's step-by-step pictures for the docs: regenerate them into docs/screenshots with
#   SCREENSHOTS=docs REQUIRE_BROWSER=1 .venv/bin/python -m pytest -q tests/browser/test_report_form.py
# (without SCREENSHOTS=docs they go to test-results/docs-screenshots, so a run never touches docs/).
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"

# (why, REQUIRE_BROWSER) once a browser test found it cannot run, for the end-of-run banner.
_missing = []


def browser_missing():
    """Why the browser tests cannot run here, or None if they can."""
    if PLAYWRIGHT_IMPORT_ERROR is not None:
        return (f"the playwright package is not installed ({PLAYWRIGHT_IMPORT_ERROR}); "
                "install the test dependencies with: .venv/bin/pip install -e '.[test]'")
    if AXE_IMPORT_ERROR is not None:
        return (f"the axe-playwright-python package is not installed ({AXE_IMPORT_ERROR}); "
                "install the test dependencies with: .venv/bin/pip install -e '.[test]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH, or put `chromium` on PATH); "
                "install it with: apt-get install chromium")
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """A banner nobody can miss, after the short summary, when the browser tests did not run."""
    result = yield
    if _missing:
        reason, required = _missing[0]
        tr = terminalreporter
        title = ("BROWSER TESTS FAILED: NO BROWSER AND REQUIRE_BROWSER=1" if required
                 else "BROWSER TESTS WERE SKIPPED")
        tr.write_line("")
        tr.write_sep("!", title, red=True, bold=True)
        tr.write_line(f"  {reason}", red=True, bold=True)
        tr.write_line("  The real-browser and accessibility tests did not run, so this is NOT a full pass.",
                      red=True, bold=True)
        if not required:
            tr.write_line("  Set REQUIRE_BROWSER=1 to make a missing browser fail the run (CI does).",
                          red=True, bold=True)
        tr.write_sep("!", red=True, bold=True)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's result on the item, so `page` can screenshot a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def real_clock_environ():
    """os.environ without libfaketime (LD_PRELOAD=...libfaketime..., FAKETIME*): the suite is also
    run under a faked machine clock, and Chromium and Playwright's driver hang under it. They do
    not need it: each page's clock is set from the app's pinned clock (page.clock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKETIME", "DONT_FAKE"))}
    kept = [lib for lib in env.get("LD_PRELOAD", "").replace(":", " ").split() if "faketime" not in lib]
    env.pop("LD_PRELOAD", None)
    if kept:
        env["LD_PRELOAD"] = " ".join(kept)
    return env


@contextlib.contextmanager
def without_faked_clock():
    """Start the Playwright driver (and so Chromium) with real_clock_environ()."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(real_clock_environ())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def playwright_instance():
    reason = browser_missing()
    if reason:
        _missing.append((reason, REQUIRE_BROWSER))
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    with without_faked_clock():  # only while the driver starts: this process keeps its clock
        p = sync_playwright().start()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    # British date and time inputs (22/11/2026, 17:05) where Chromium has en-GB locale data
    # (Debian: apt-get install chromium-l10n); without it they show US style and nothing else changes.
    env = {**real_clock_environ(), "LANG": "en_GB.UTF-8", "LANGUAGE": "en_GB:en"}
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
    yield browser
    browser.close()


@contextlib.contextmanager
def serve_demo(path, secret, seed, mail=None):
    """The app with demo data (CSRF on, as in production) at http://127.0.0.1:<free port>;
    `mail`: its MAIL_* settings (the mailbox fixture's smtp_server.config)."""
    db = connect(path)
    migrate(db)
    demo.load(db, random.Random(seed))
    db.close()
    # Two-factor off, as in `make run`: the demo sign-ins work as printed (test_twofactor.py
    # serves an app with it required).
    app = create_app({"TESTING": True, "SECRET_KEY": secret, "DATABASE": path,
                      "TWO_FACTOR_REQUIRED": False, **(mail or {})})
    with serve(app) as server:
        yield server


@contextlib.contextmanager
def serve(app):
    """`app` at http://127.0.0.1:<free port>, in a thread of this process (so on its pinned clock)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.app = app
    server.database = app.config["DATABASE"]
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server):
    """The demo app shared by the browser tests (its mail goes to the mailbox fixture)."""
    with serve_demo(str(tmp_path_factory.mktemp("browser") / "icv.sqlite"), "browser-tests", 2026,
                    smtp_server.config) as server:
        yield server


@pytest.fixture
def new_context(browser, live_server, request):
    """new_context(**options) -> a phone-sized context on the live server, closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{**PHONE, "base_url": live_server.url, **options})
        context.clock.install(time=utcnow())  # the phone's clock starts at the app's pinned now
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                path = RESULTS / "failures" / f"{name}-{n}-{m}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=str(path), full_page=True, scale="css")
                except Exception:  # a screenshot must never hide the real failure
                    pass
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh phone-sized context (JavaScript on)."""
    return new_context().new_page()


@pytest.fixture
def screenshot():
    """screenshot(page, "01-login") -> a full-page PNG in test-results/screenshots/, at CSS
    pixels (390 wide): the layout is the phone's, the file a ninth of the size.
    full_page=False keeps just what the phone's screen shows (e.g. after following a link)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name, full_page=True):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, scale="css")
        return path

    return take


@pytest.fixture
def docs_screenshot():
    """docs_screenshot(page, "02-section-visit", at=locator) -> one phone screen (390x844 PNG at
    CSS pixels) scrolled so that `at` is at the top (else the top of the page): readable, small,
    one step per picture. blur=False keeps the focus where it is (the error summary's ring).
    Written to docs/screenshots/ only when SCREENSHOTS=docs, else to test-results/docs-screenshots/."""
    folder = DOCS_SCREENSHOTS if os.environ.get("SCREENSHOTS") == "docs" else RESULTS / "docs-screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name, at=None, blur=True):
        if blur:  # no focus ring or caret on the box just typed in
            page.evaluate("document.activeElement && document.activeElement.blur()")
        if at is not None:
            at.evaluate("e => e.scrollIntoView({block: 'start', behavior: 'instant'})")
        else:
            page.evaluate("window.scrollTo(0, 0)")
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False, scale="css", animations="disabled",
                        caret="hide")
        return path

    return take


@pytest.fixture
def storage_states(live_server):
    """{role: cookies of a fresh sign-in}, so pages that are not about signing in can start signed
    in. Each is a new server session (sessions.start, as signing in makes) in the cookie Flask
    would send, made without going through the sign-in page: fast, and never shared between
    tests, since a test that signs out ends its session on the server. Signing in itself is
    tested through the page (helpers.sign_in, test_auth, test_from_scratch)."""
    states = {}

    def state(role):
        if role not in states:
            states[role] = signed_in_state(live_server, LOGINS[role][0])
        return states[role]

    return state


def signed_in_state(server, email):
    """A Playwright storage state holding a signed-in session cookie for `email` on `server`."""
    app = server.app
    db = connect(server.database)
    try:
        user = people.find_by_email(db, email)
        token = sessions.start(db, user["id"], "Browser test", "127.0.0.1",
                               hours=app.config["SESSION_ABSOLUTE_HOURS"])
    finally:
        db.close()
    value = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": str(user["id"]), "_fresh": True, "_permanent": True, "sid": token,
         "seen": utcnow().timestamp()})
    cookie = {"name": app.config["SESSION_COOKIE_NAME"], "value": value, "domain": "127.0.0.1",
              "path": "/", "expires": -1, "httpOnly": True,
              "secure": bool(app.config["SESSION_COOKIE_SECURE"]), "sameSite": "Lax"}
    return {"cookies": [cookie], "origins": []}


@pytest.fixture
def page_as(new_context, storage_states):
    """page_as("custody_team") -> a phone-sized page already signed in as that demo user."""
    def make(role, **options):
        return new_context(storage_state=storage_states(role), **options).new_page()
    return make
