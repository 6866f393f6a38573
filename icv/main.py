"""The home page redirect, the service worker and offline page, error pages, template helpers
and response headers."""
import functools
import hashlib
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from . import codes, flags
from .auth import public
from .forms import error_list
from .times import format_day, format_london

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    "icv": "visits.index",
    "custody_team": "escalations.queue",
    "coordinator": "summaries.month",
    "admin": "escalations.queue",
}

ERRORS = {
    400: ("Something in the request was not right",
          "Go back, check what you entered and try again."),
    403: ("You cannot see this page",
          "Your account does not give access to it. If you think it should, ask your coordinator."),
    404: ("Page not found", "Check the address, or go back to your home page."),
    405: ("That action is not allowed here", "Go back to your home page and try again."),
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


@functools.lru_cache(maxsize=4)
def worker_script(files, stamp):
    """sw.js with its VERSION: a hash of the files it caches."""
    version = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    return files[0].read_text().replace("__VERSION__", version)


@bp.route("/sw.js")
@public
def service_worker():
    """static/sw.js at the top of the site (so its scope is every page), with VERSION set to a
    hash of the files it caches: changing any of them makes browsers install a fresh cache."""
    static = Path(current_app.static_folder)
    files = tuple(static / name for name in ("sw.js", "app.js", "style.css"))
    stamp = tuple(f.stat().st_mtime_ns for f in files)  # read and hashed again only on a change
    response = current_app.response_class(worker_script(files, stamp),
                                          mimetype="application/javascript")
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
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "keeps_input", False):
        # The view's own FlaskForm fails the same token check, so it re-renders with
        # the posted data, a fresh token and a message; nothing is saved.
        return view(**(request.view_args or {}))
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


def secure_headers(response):
    """Security headers on every response; pages holding case data are never cached."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_error_handlers(app):
    """Error pages, template helpers and response headers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    for code in (400, 403, 404, 405, 409, 500):
        app.register_error_handler(code, handle_http_error)
    app.after_request(secure_headers)
    app.jinja_env.filters.update(london=format_london, day=format_day)
    app.jinja_env.globals.update(codes=codes, flags=flags, label=codes.label, error_list=error_list)
