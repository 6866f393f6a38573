"""A test client that starts signed in with a real server session, for tests and benchmarks.

Flask-Login's FlaskLoginClient only writes the user's id into the cookie; the per-request session
check (icv/accounts/session_views.py) refuses a cookie without an open session, so this client
starts one in the database first, as signing in does.
"""
from flask.testing import FlaskClient

from ..db import connect
from ..times import utcnow
from . import sessions


class SignedInClient(FlaskClient):
    """app.test_client(user=user) -> a client signed in as `user` (a User); without user, signed out."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id = None
        self.user, self.signed_in_at = user, None
        if user is not None:
            self.sign_in(user)

    def open(self, *args, **kwargs):
        """A test that set the app's clock after making its clients (to a moment far from the
        one they signed in at) gets them signed in again at that moment, at their first request."""
        if self.signed_in_at is not None and self.signed_in_at != utcnow():
            self.sign_in(self.user)
        self.signed_in_at = None
        return super().open(*args, **kwargs)

    def sign_in(self, user, device="Test client"):
        """Start a server session for `user` and put its token in this client's cookie."""
        config = self.application.config
        db = connect(config["DATABASE"])
        try:
            token = sessions.start(db, user.id, device, "127.0.0.1", hours=config["SESSION_ABSOLUTE_HOURS"])
            self.session_id = sessions.current(db, token)["id"]
        finally:
            db.close()
        self.signed_in_at = utcnow()
        with self.session_transaction() as cookie:
            cookie.clear()
            cookie.permanent = True
            cookie.update({"_user_id": str(user.id), "_fresh": True, "sid": token,
                           "seen": utcnow().timestamp()})
