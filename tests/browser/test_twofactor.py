"""Two-factor sign-in in a real browser at phone size, on an app where it is required for staff
(as in production): a custody team member sets it up after their password, reading the setup key
off the page as a person typing it into an app would, keeps their recovery codes, signs out and
signs in again with a code. axe checks each page on the way."""
import re

import pyotp
import pytest

from icv import create_app
from icv.auth import create_user
from icv.db import connect, migrate
from icv.times import utcnow

from .conftest import serve
from .helpers import expect, sign_out
from .test_accessibility import WCAG

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # the `playwright_instance` fixture skips or fails before any use
    Axe = None

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "sam.reid@example.org", "a long custody team passphrase"


@pytest.fixture(scope="module")
def required_server(tmp_path_factory):
    """An app with TWO_FACTOR_REQUIRED on and one custody team member."""
    path = str(tmp_path_factory.mktemp("twofactor") / "icv.sqlite")
    db = connect(path)
    migrate(db)
    create_user(db, EMAIL, "Sam Reid", "custody_team", PASSWORD)
    db.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-two-factor", "DATABASE": path,
                      "TWO_FACTOR_REQUIRED": True})
    with serve(app) as server:
        yield server


def no_wcag_violations(page):
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def password(page):
    page.goto("/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_set_up_two_factor_at_phone_size_then_sign_in_with_a_code(
        new_context, required_server, screenshot, clock):
    page = new_context(base_url=required_server.url).new_page()
    password(page)
    expect(page.get_by_role("heading", level=1, name="Set up two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("^QR code to scan with your authenticator app"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert 180 <= box["width"] <= 390 and box["width"] == pytest.approx(box["height"], abs=1)
    key = page.locator("#setup-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    field = page.get_by_label("Code from your authenticator app")
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("autocomplete") == "one-time-code"
    no_wcag_violations(page)
    screenshot(page, "two-factor-01-set-up")

    field.fill("12345")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")
    no_wcag_violations(page)
    totp = pyotp.TOTP(key.replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill(totp.at(utcnow()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    no_wcag_violations(page)
    screenshot(page, "two-factor-02-recovery-codes")
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()
    sign_out(page)

    clock.advance(seconds=30)  # the app shows the next code
    password(page)
    expect(page.get_by_role("heading", level=1, name="Enter the code from your app")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    no_wcag_violations(page)
    screenshot(page, "two-factor-03-code")
    page.get_by_label("Code from your authenticator app").fill(totp.at(utcnow()))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Escalations")).to_be_visible()
    expect(page.get_by_text("Signed in as Sam Reid")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    no_wcag_violations(page)
    sign_out(page)
    password(page)  # lost the phone: a recovery code, once
    page.get_by_role("link", name=re.compile("use a recovery code")).click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You have 9 left")).to_be_visible()

    # New recovery codes: the password again in the same form, then the code
    page.goto("/two-factor/")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("Code from your authenticator app").fill(totp.at(utcnow()))
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not your password")
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("You have 9 unused recovery codes.")).to_be_visible()
    no_wcag_violations(page)
    screenshot(page, "two-factor-04-wrong-password")
    clock.advance(seconds=30)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(totp.at(utcnow()))
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.locator(".notice[role=status]")).to_contain_text("You are signed out everywhere else.")
    assert len(page.locator(".recovery-codes code").all_inner_texts()) == 10
