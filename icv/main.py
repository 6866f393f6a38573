"""The home page redirect, the service worker and offline page, error pages, template helpers
and response headers: security, caching (static files at versioned addresses) and compression."""
import functools
import hashlib
import os
import sqlite3
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_compress import Compress
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.security import safe_join

from . import audit, codes, db, flags, pieces
from .auth import public, wants_json
from .forms import error_list
from .times import format_day, format_london

bp = Blueprint("main", __name__)


def form_meta(csrf=True):
    """WTForms meta for a form that checks free text or record numbers: the personal-details
    checks this app was started with (icv/privacy.py; made once, in create_app)."""
    meta = {"privacy": current_app.config["PRIVACY"]}
    if not csrf:
        meta["csrf"] = False
    return meta


HOME_BY_ROLE = {
    "icv": "visits.index",
    "custody_team": "escalations.queue",
    "coordinator": "summaries.summary",
    "admin": "admin.home",
}

ERRORS = {
    400: ("Something in the request was not right",
          "Go back, check what you entered and try again."),
    403: ("You cannot see this page",
          "Your account does not give access to it. If you think it should, ask your coordinator."),
    404: ("Page not found", "Check the address, or go back to your home page."),
    405: ("That action is not allowed here", "Go back to your home page and try again."),
    413: ("That was too much to send at once",
          "Nothing was saved. Shorten the longest answers, or split the report, and try again."),
    415: ("That was not sent as a form",
          "Nothing was saved. Go back, reload the page and try again."),
    500: ("Sorry, there is a problem with the service",
          "Nothing has been lost that was already saved. Try again later."),
}


@bp.route("/")
@public
def index():
    """Send each person to the page they use most."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


# Static files are addressed as /static/app.js?v=<hash of the file>: a changed file gets a new
# address, so browsers keep each one a year without asking again (the most HTTP caches allow).
STATIC_CACHE = "public, max-age=31536000, immutable"
# What the service worker keeps for a report opened with no signal (besides /offline and the form).
WORKER_ASSETS = ("style.css", "app.js")


@functools.lru_cache(maxsize=256)
def content_hash(path, stamp):
    """The first 12 hex digits of a file's SHA-256; `stamp` (its size and time) makes an edited
    file hashed again, so each version is read once."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(filename):
    """The version of a file in static/, or None if there is no such file."""
    path = safe_join(current_app.static_folder, filename or "")
    try:
        found = os.stat(path) if path else None
    except OSError:
        return None
    if found is None or not os.path.isfile(path):
        return None
    return content_hash(path, (found.st_size, found.st_mtime_ns))


def versioned_static(endpoint, values):
    """url_for('static', filename=...) adds v=<the file's version> (a url_defaults hook, so every
    template's link to a static file is versioned without saying so)."""
    if endpoint == "static" and "v" not in values:
        version = static_version(values.get("filename"))
        if version:
            values["v"] = version


@functools.lru_cache(maxsize=4)
def worker_script(path, version, cache, assets):
    """sw.js with its cache name (a hash of every static file) and the addresses it keeps."""
    return Path(path).read_text().replace("__VERSION__", cache).replace("__ASSETS__", assets)


@bp.route("/sw.js")
@public
def service_worker():
    """static/sw.js at the top of the site (so its scope is every page), with VERSION set to a
    hash of every static file (changing any of them makes browsers install a fresh cache) and
    ASSETS to the versioned addresses of the files it keeps, the ones the pages link to."""
    folder = Path(current_app.static_folder)
    versions = sorted((f.name, static_version(f.name)) for f in folder.iterdir() if f.is_file())
    cache = hashlib.sha256(repr(versions).encode()).hexdigest()[:12]
    assets = " ".join(url_for("static", filename=name) for name in WORKER_ASSETS)
    script = worker_script(str(folder / "sw.js"), static_version("sw.js"), cache, assets)
    response = current_app.response_class(script, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
@public
def offline():
    """What the service worker shows for a page that needs signal. The same for everyone (it is
    cached on the phone), so it names no one and shows no flashed messages."""
    return render_template("offline.html")


def keeps_input(view):
    """Mark a form view that can re-show the posted form when its CSRF token fails."""
    view.keeps_input = True
    return view


def handle_csrf_error(error):
    """Re-show a posted form with everything the person typed, or explain the expired page."""
    g.refused = "csrf"  # in the audit log (log_refusal): a forged post looks like this too
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "keeps_input", False):
        # The view's own FlaskForm fails the same token check, so it re-renders with
        # the posted data, a fresh token and a message; nothing is saved.
        try:
            return view(**(request.view_args or {}))
        except Exception as raised:
            # Flask does not handle what an error handler raises: the view's abort(403) (a
            # role it refuses) or abort(404) would become a 500. Answer it as from a view.
            return current_app.handle_user_exception(raised)
    if wants_json():  # the page's own fetch() calls: a code app.js acts on (a fresh token, again)
        return jsonify(error="expired", message="This page had expired, so nothing was changed."), 400
    return render_template("error.html", code=400, title="This page had expired",
                           detail="Nothing was changed. Go back, reload the page and try again."), 400


def handle_http_error(error):
    """A plain-language page for 4xx and 5xx errors."""
    code = getattr(error, "code", 500) or 500
    title, detail = ERRORS.get(code, ERRORS[500 if code >= 500 else 400])
    description = getattr(error, "description", None)
    if code < 500 and description and description != type(error).description:
        detail = description  # our own specific message from abort(code, message)
    return render_template("error.html", code=code, title=title, detail=detail), code


def log_refusal(response):
    """Every 403, however it was answered (abort, a page that keeps a posted form, JSON for the
    page's fetch() calls), and every post refused for its CSRF token or its size, goes in the
    audit log: who, method, path and why; never the query string, which could hold personal data."""
    reason = "forbidden" if response.status_code == 403 else g.get("refused")
    if reason is None:
        return response
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        with db.writing(db.get_db()) as conn:
            audit.log(conn, user_id, "refused", "request", address=request.remote_addr,
                      method=request.method, path=request.path,
                      **({} if reason == "forbidden" else {"reason": reason}))
    except sqlite3.OperationalError as raised:
        if not is_busy(raised):
            raise
        # A refusal never becomes a "busy" page or a 500; the server's log keeps it instead.
        current_app.logger.warning("Refusal not in the audit log (database busy): user %s %s %r",
                                   user_id, request.method, request.path)  # %r: no forged lines
    return response


def refuse_json_bodies():
    """Every form here posts form fields (app.js too: URLSearchParams), never JSON. Flask-WTF
    would fill a form from a JSON body instead, and one that is not an object (`true`, `["a"]`,
    found by tests/test_fuzz.py) raised a TypeError or ValueError in any form: a 500. So a
    JSON body is refused with a 415 before any view runs, and nothing is saved."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    title, detail = ERRORS[415]
    if wants_json():
        return jsonify(error="unsupported", message=f"{title}. {detail}"), 415
    return render_template("error.html", code=415, title=title, detail=detail), 415


def handle_too_large(error):
    """413 for a post over MAX_CONTENT_LENGTH: JSON for the page's fetch() calls, else a page."""
    g.refused = "too_large"
    if wants_json():
        title, detail = ERRORS[413]
        return jsonify(error="too_large", message=f"{title}. {detail}"), 413
    return handle_http_error(error)


# Seconds a person (or the page's script) waits before sending again when the database is busy.
RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = "The service is busy just now, so nothing was saved. Try again in a few seconds."


def is_busy(error):
    """True for SQLite's "database is locked" (another writer held it past the busy timeout)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "is locked" in str(error)


def handle_busy(error):
    """503 with Retry-After when the database stayed locked: nothing is written (the open
    transaction rolls back); a posted form comes back as a page that re-posts every field."""
    if not is_busy(error):
        raise error  # a real fault: the usual 500
    db.rollback_request()
    if "_login_user" not in g:
        # The lock hit while loading the signed-in user; the page must not ask the database
        # again, so it is drawn as for nobody signed in (the posted fields still go back).
        g._login_user = current_app.login_manager.anonymous_user()
    if wants_json():
        response = jsonify(error="busy", message=BUSY_MESSAGE, retry_after=RETRY_AFTER_SECONDS)
    else:
        posted = request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data")
        address = request.full_path if request.query_string else request.path
        response = current_app.make_response(render_template(
            "busy.html", address=address, method=request.method,
            fields=list(request.form.items(multi=True)) if posted else [],
            retry_after=RETRY_AFTER_SECONDS))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def secure_headers(response):
    """Security headers on every response; pages holding case data are never cached; a static
    file asked for at its current version is kept for a year (any other asks again each time)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    elif (response.status_code in (200, 304) and request.args.get("v")
          and request.args["v"] == static_version((request.view_args or {}).get("filename"))):
        response.headers["Cache-Control"] = STATIC_CACHE
    return response


def compressed(response):
    """Text responses gzipped for browsers that ask (Flask-Compress; settings in create_app).
    Downloads go as they are, with their Content-Length: a cut connection then shows as a
    failed download, never a short file (icv/summaries/export_views.py). So does part of a
    static file (a Range request's 206), whose Content-Range counts the file's own bytes."""
    if (response.status_code == 206
            or response.headers.get("Content-Disposition", "").startswith("attachment")):
        return response
    return current_app.extensions["compress"].after_request(response)


def note_address():
    """Tell the audit log where this request came from, before anything else runs (a sign-in
    check may write an entry), and forget it when the request ends."""
    token = audit.request_address.set(request.remote_addr)
    g.audit_address_token = token


def forget_address(exc=None):
    token = g.pop("audit_address_token", None)
    if token is not None:
        audit.request_address.reset(token)


def register_error_handlers(app):
    """Error pages, template helpers and response headers."""
    app.before_request_funcs.setdefault(None, []).insert(0, note_address)
    app.teardown_request(forget_address)
    app.before_request(refuse_json_bodies)
    app.register_error_handler(CSRFError, handle_csrf_error)
    for code in (400, 403, 404, 405, 409, 500):
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(413, handle_too_large)
    app.register_error_handler(sqlite3.OperationalError, handle_busy)
    app.extensions["compress"] = Compress(app)
    app.url_defaults(versioned_static)
    app.after_request(compressed)  # after_request functions run last first: this runs last
    app.after_request(secure_headers)
    app.after_request(log_refusal)
    app.jinja_env.filters.update(london=format_london, day=format_day)
    app.jinja_env.globals.update(codes=codes, flags=flags, label=codes.label, error_list=error_list,
                                  pieces=pieces)
