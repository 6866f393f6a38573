"""Page weight (issue 12): what a phone downloads for each main page, cold cache, as a browser
that asks for gzip gets it; static files at versioned addresses kept a year; downloads sent as
they are. The pages are drawn from the demo data, as `make run` shows them.

Bytes on the wire here are the response bodies as sent (compressed), without HTTP headers."""
import csv
import gzip
import io
import random
import re
import shutil

import pytest

from icv import create_app, demo
from icv.accounts.testing import SignedInClient
from icv.auth import User
from icv.db import connect
from icv.main import STATIC_CACHE
from icv.times import london_today

FORM_BUDGET = 40_000  # the blank report form: HTML, stylesheets and scripts
PAGE_BUDGET = 60_000  # every other main page
GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # what browsers send
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, migrated_database, pinned_clock):
    """One app over the demo data for the module (the pages are only read)."""
    path = tmp_path_factory.mktemp("weight") / "icv.sqlite"
    shutil.copyfile(migrated_database, path)
    db = connect(str(path))
    demo.load(db, random.Random(2026))
    db.close()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(path),
                      "TWO_FACTOR_REQUIRED": False})
    app.test_client_class = SignedInClient
    return app


def demo_client(app, role):
    """A client signed in as the demo person with that role (None: signed out)."""
    if role is None:
        return app.test_client()
    email = next(e for r, e, _, _ in demo.LOGINS if r == role)
    db = connect(app.config["DATABASE"])
    try:
        user = User(next(db["users"].rows_where("email = ?", [email])))
    finally:
        db.close()
    return app.test_client(user=user)


def one(app, sql):
    db = connect(app.config["DATABASE"])
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def weigh(client, path):
    """{address: bytes on the wire} for the page and each stylesheet and script it links to,
    each fetched as a browser asking for gzip would, with nothing cached."""
    page = client.get(path, headers=GZIP)
    assert page.status_code == 200, f"{path}: {page.status_code}"
    assert page.headers.get("Content-Encoding") == "gzip", f"{path} was not compressed"
    sizes = {path: len(page.get_data())}
    for address in ASSET.findall(gzip.decompress(page.get_data()).decode()):
        address = address.replace("&amp;", "&")
        asset = client.get(address, headers=GZIP)
        assert asset.status_code == 200, f"{address}: {asset.status_code}"
        sizes[address] = len(asset.get_data())
    return sizes


def listed(sizes):
    return ", ".join(f"{address} {size:,}" for address, size in sizes.items()) + \
        f"; total {sum(sizes.values()):,} bytes"


def test_the_blank_report_form_is_at_most_40_kb_on_the_wire(demo_app):
    sizes = weigh(demo_client(demo_app, "icv"), "/visits/new")
    assert len(sizes) >= 3, f"expected the page, its stylesheet and its script: {listed(sizes)}"
    assert sum(sizes.values()) <= FORM_BUDGET, f"over {FORM_BUDGET:,}: {listed(sizes)}"


PAGES = {  # name: (role, address, or a query giving the address's id)
    "sign-in": (None, "/login"),
    "My reports": ("icv", "/visits/"),
    "the queue": ("custody_team", "/escalations/"),
    "an escalation": ("custody_team", "/escalations/{}",
                      "SELECT escalation_id FROM escalation_events GROUP BY escalation_id "
                      "ORDER BY count(*) DESC, escalation_id LIMIT 1"),
    "rules": ("custody_team", "/rules/"),
    "the record review form": ("icv", "/reviews/drafts/{}",
                               "SELECT r.client_id FROM custody_record_reviews r "
                               "JOIN review_assignments a ON a.record_id = r.record_id "
                               "JOIN users u ON u.id = a.user_id "
                               "WHERE u.email = 'icv@example.org' AND r.status = 'draft' LIMIT 1"),
    "the summary": ("coordinator", "/summaries/"),
    "accounts": ("admin", "/accounts/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_other_main_page_is_at_most_60_kb_on_the_wire(demo_app, name):
    role, address, *query = PAGES[name]
    if query:
        address = address.format(one(demo_app, query[0]))
    sizes = weigh(demo_client(demo_app, role), address)
    assert sum(sizes.values()) <= PAGE_BUDGET, f"{name} over {PAGE_BUDGET:,}: {listed(sizes)}"


def test_a_browser_that_asks_for_no_compression_gets_none(demo_app):
    page = demo_client(demo_app, None).get("/login")
    assert "Content-Encoding" not in page.headers
    assert b"<html" in page.get_data()


# Static files: versioned addresses, kept a year -----------------------------------------------

@pytest.fixture
def static_app(app, tmp_path):
    """The test app serving a static folder of the test's own (a copy of the real one)."""
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder, folder)
    app.static_folder = str(folder)
    return app


def addresses(client):
    """The stylesheet and script addresses the sign-in page links to."""
    return ASSET.findall(client.get("/login").get_data(as_text=True))


def test_pages_link_to_static_files_at_versioned_addresses_kept_a_year(client):
    links = addresses(client)
    assert len(links) >= 2 and all(re.fullmatch(r"/static/[\w.]+\?v=[0-9a-f]{12}", a) for a in links), links
    for address in links:
        response = client.get(address, headers=GZIP)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == STATIC_CACHE
        assert response.headers["Content-Encoding"] == "gzip"
        again = client.get(address, headers={**GZIP, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.headers["Cache-Control"] == STATIC_CACHE


def test_a_static_file_asked_for_without_its_current_version_is_asked_for_again_each_time(client):
    for address in ("/static/app.js", "/static/app.js?v=000000000000"):
        response = client.get(address)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", address


def test_a_changed_static_file_gets_a_new_address(static_app, tmp_path):
    client = static_app.test_client()
    before = addresses(client)
    style = tmp_path / "static" / "style.css"
    style.write_text(style.read_text() + "\n.changed { color: #0b0c0c; }\n")
    after = addresses(client)
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert [old.split("?")[0] for old, _ in changed] == ["/static/style.css"], (before, after)
    old, new = changed[0]
    assert client.get(new).headers["Cache-Control"] == STATIC_CACHE
    assert b".changed" in client.get(new).get_data()
    assert client.get(old).headers["Cache-Control"] == "no-cache"  # not kept as the old one


def test_the_service_worker_keeps_the_versioned_files_under_a_name_that_follows_them(static_app, tmp_path):
    client = static_app.test_client()

    def worker():
        response = client.get("/sw.js")
        assert response.headers["Cache-Control"] == "no-cache"
        script = response.get_data(as_text=True)
        name = re.search(r'const CACHE = "icv-([0-9a-f]{12})";', script).group(1)
        assets = re.search(r'const ASSETS = "([^"]*)"\.split', script).group(1).split(" ")
        return name, assets

    name, assets = worker()
    assert set(assets) == set(addresses(client))  # what the pages link to
    for changed in ("app.js", "summary.css"):  # a file it keeps, a file it does not
        path = tmp_path / "static" / changed
        path.write_text(path.read_text() + "\n/* changed */\n")
        new_name, new_assets = worker()
        assert new_name != name, f"the cache name did not change with {changed}"
        name = new_name
    assert new_assets == addresses(client) and new_assets != assets


# Downloads are sent whole, with their length ---------------------------------------------------

@pytest.mark.parametrize("export", ["visits.csv", "summary.xlsx?edition=staff"])
def test_a_download_is_sent_uncompressed_and_complete_with_its_length(login_as, make_user, make_visit,
                                                                       export):
    make_visit(make_user("icv"), hours_ago=1)
    coordinator = login_as("coordinator")
    period = f"{london_today():%Y-%m}"
    address = f"/summaries/export/{export}{'&' if '?' in export else '?'}area=london&period={period}"
    response = coordinator.get(address, headers=GZIP)
    assert response.status_code == 200
    body = response.get_data()
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["Content-Disposition"].startswith("attachment")
    if ".csv" in export:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert len(rows) == 2 and len(rows[1]) == len(rows[0])  # a header and the one visit
    else:
        assert body.startswith(b"PK")

