"""ICV: visit reports, escalation queues and monthly summaries for London's custody visitors."""
import logging
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.logging import default_handler
from werkzeug.routing import IntegerConverter

ROOT = Path(__file__).resolve().parent.parent

# Keys that must never be used outside debug or testing.
WEAK_KEYS = {"", "dev", "test", "secret", "changeme", "change-me", "please-change-me"}
MIN_KEY_LENGTH = 32


class RowId(IntegerConverter):
    """<int:...> in every route: a number too big for SQLite is "not found", not a crash."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config=None):
    """Build the app: defaults in code, then instance/config.py, then FLASK_* variables."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(
        SECRET_KEY="dev",
        DATABASE=str(ROOT / "instance" / "icv.sqlite"),
        # How long a write waits for another writer before the person gets "busy, try again" (503).
        DATABASE_BUSY_TIMEOUT_MS=5000,
        # The biggest legitimate post is a visit report with 40 detainee entries (every flag
        # raised, every question answered) and 30 issues, every text box at its limit: about
        # 0.3 MB url-encoded in plain English, 1.5 MB if every character were a 3-byte one
        # such as "€" (9 bytes encoded), 1.9 MB as 4-byte emoji (tests/test_errors.py builds
        # it). Reviews are smaller. Twice the worst case; a bigger post gets a plain 413.
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        # A visit report can take an hour to write in a basement: the CSRF token lives as
        # long as the session, so a slow volunteer never loses a form to an expired token.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=timedelta(hours=12),
        # Sessions (icv/accounts/session_views.py; README "Sessions and cookies"): the most a
        # session lasts however busy (the cookie lives as long), the cookie Secure and
        # __Host-session (None: yes unless in debug mode), Strict-Transport-Security max-age
        # (0: none; set it only behind TLS), and ProxyFix's arguments behind a proxy, e.g.
        # {"x_for": 1, "x_proto": 1} (None: not behind one).
        SESSION_ABSOLUTE_HOURS=12,
        SECURE_COOKIES=None,
        HSTS_SECONDS=0,
        PROXY_FIX=None,
        # Sign-in throttling (icv/accounts/throttle.py): failures allowed per account (the email
        # typed) and per client address before a cool-down of this many minutes.
        SIGN_IN_MAX_FAILURES=5,
        SIGN_IN_MAX_FAILURES_PER_ADDRESS=20,
        SIGN_IN_COOLDOWN_MINUTES=15,
        QUEUE_PAGE_SIZE=50,
        # Personal details in free text and the shape of record numbers (icv/privacy.py; README
        # "Personal details"): offence words that warn (None: privacy.OFFENCE_WORDS), built-in
        # rules to turn off by name, more rules ({"name", "pattern", "action": "refuse" or
        # "warn", "message"}), and the custody record number's and a redacted copy's reference's
        # shapes ({"pattern", "example", "shape", "canonical"}; {}: the Met's, and none).
        PRIVACY_OFFENCE_WORDS=None,
        PRIVACY_RULES_OFF=[],
        PRIVACY_RULES_EXTRA=[],
        CUSTODY_RECORD_FORMAT={},
        REDACTED_REF_FORMAT={},
        # Escalation rule thresholds (icv/rules.py DEFAULT_SETTINGS names); see README.
        RULE_SETTINGS={},
        # Summary thresholds (icv/summaries/figures.py DEFAULTS names): small-number suppression
        # in the published edition, the smallest group given a ratio, the reference group.
        SUMMARY_SETTINGS={},
        # Days each kind of data is kept before `flask purge` anonymises or deletes it: changes to
        # icv/retention.py DEFAULTS by name (README "Retention"), checked at start.
        RETENTION_DAYS={},
        # Working days to act, by priority (None: no due date); changes to the defaults of
        # icv/escalations/sync.py DUE_WORKING_DAYS (domain.md 6b), checked at start.
        ESCALATION_DUE_WORKING_DAYS={},
        # Signed out after this long without a request; pages warn two minutes before.
        SESSION_IDLE_MINUTES=30,
        # Email (icv/mail.py; see README). No MAIL_SERVER: printed to the console in debug mode,
        # and an error an admin sees otherwise.
        MAIL_SERVER=None,
        MAIL_PORT=587,
        MAIL_USE_STARTTLS=True,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_FROM="Independent Custody Visiting <no-reply@localhost>",
        # The address links in emails start with, e.g. "https://icv.example.org". Set it in
        # production: without it links use the Host the request came with.
        BASE_URL=None,
        # Compression (issue 12; Flask-Compress, applied in icv/main.py compressed()): gzip, which
        # every browser takes, for text of 500 bytes or more; pages, static files and JSON alike.
        COMPRESS_ALGORITHM="gzip",
        COMPRESS_ALGORITHM_STREAMING="gzip",  # static files are sent as streams
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript", "text/javascript",
                            "application/json", "text/csv", "image/svg+xml"],
        COMPRESS_MIN_SIZE=500,
        # Level 3, not the default 6: on the visit report's 100 KB of HTML it takes a quarter of
        # the time (0.3 ms, not 1.05) for 11% more bytes (13.8 KB, not 12.4): nginx's default is 1.
        COMPRESS_LEVEL=3,
        COMPRESS_REGISTER=False,  # icv/main.py compressed() calls it, passing downloads by
    )
    if test_config is None:
        ensure_secret_key(Path(app.instance_path) / "config.py")
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.update(test_config)
    # Staff need a second factor to sign in, except in `make run` (--debug), so the demo sign-ins
    # work as printed. Only a setting made on purpose turns it off outside debug mode.
    app.config.setdefault("TWO_FACTOR_REQUIRED", not app.debug)
    if not isinstance(app.config["TWO_FACTOR_REQUIRED"], bool):
        raise RuntimeError("TWO_FACTOR_REQUIRED must be True or False")
    check_secret_key(app)
    default_handler.setFormatter(UTCFormatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s"))
    app.url_map.converters["int"] = RowId

    from . import admin, auth, db, main, privacy, retention, rulebook, rules, scheme, volunteers, demo
    from .summaries import export_views, figures, views as summaries  # noqa: F401  (export_views' routes are on summaries.bp)
    from .accounts import self_service, views as accounts  # noqa: F401  (self_service's routes are on accounts.bp)
    from .escalations import detail, sync, views as escalations  # noqa: F401  (detail's routes are on escalations.bp)
    from .reviews import batches, views as reviews  # noqa: F401  (batches' routes are on reviews.bp)
    from .visits import views as visits
    from .accounts import session_views, twofactor_views

    # Checked once, here; views pass them to the stores that raise escalations (rulebook.in_force).
    app.config["RULES"] = rules.settings_from(app.config["RULE_SETTINGS"])  # a typo stops here
    app.config["SUMMARY"] = figures.settings_from(app.config["SUMMARY_SETTINGS"])
    app.config["PRIVACY"] = privacy.settings_from(app.config)  # a bad pattern stops here
    app.config["ESCALATION_DUE_WORKING_DAYS"] = sync.due_days_from(
        app.config["ESCALATION_DUE_WORKING_DAYS"])
    app.config["RETENTION"] = retention.settings_from(app.config["RETENTION_DAYS"])

    db.init_app(app)
    auth.init_app(app)
    session_views.init_app(app)
    demo.init_app(app)
    retention.init_app(app)
    for module in (main, auth, session_views, visits, escalations, rulebook, summaries, reviews,
                   volunteers, twofactor_views, accounts, scheme, admin):
        app.register_blueprint(module.bp)
    main.register_error_handlers(app)
    return app


class UTCFormatter(logging.Formatter):
    """The server log's times in UTC with a Z, as the audit log's (ASVS 16.2.2), whatever the
    machine's time zone."""
    converter = time.gmtime
    default_time_format = "%Y-%m-%d %H:%M:%S"
    default_msec_format = "%s.%03dZ"


def ensure_secret_key(path):
    """Write a random SECRET_KEY into instance/config.py the first time the app runs."""
    text = path.read_text() if path.exists() else ""
    if "SECRET_KEY" in text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "" if text else "# Instance settings for this machine. Never commit this file.\n"
    with path.open("a") as f:
        f.write(f"{header}SECRET_KEY = {secrets.token_hex(32)!r}\n")


def check_secret_key(app):
    """Refuse to start outside debug or testing with a weak or default SECRET_KEY."""
    if app.debug or app.testing:
        return
    key = app.config.get("SECRET_KEY") or ""
    if key in WEAK_KEYS or len(key) < MIN_KEY_LENGTH:
        raise RuntimeError(
            "SECRET_KEY is missing, a default or shorter than "
            f"{MIN_KEY_LENGTH} characters. Set a long random one in instance/config.py "
            "or FLASK_SECRET_KEY, e.g. python -c 'import secrets; print(secrets.token_hex(32))'."
        )
