"""The menu: each role is offered exactly the pages it may open (the links ask each view for
the roles it declares, so a page's roles and its link can never disagree)."""
import re

import pytest

from icv.auth import ROLE_NAMES

MENU = {
    "icv": ["My reports", "New visit report", "Your account"],
    # the custody team may open the review sessions (not set them up), so the menu offers them
    "custody_team": ["Escalations", "Rules", "Summaries", "Record reviews", "Your account"],
    "coordinator": ["Escalations", "Rules", "Summaries", "Record reviews", "Accounts",
                    "Suites", "Panels", "Your account"],
    "admin": ["Escalations", "Rules", "Summaries", "Record reviews", "Accounts", "Suites",
              "Panels", "Audit log", "Your account"],
}


def menu(page):
    nav = re.search(r'<nav class="wrap nav" aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_each_role_is_offered_the_pages_it_may_open(login_as, role):
    client = login_as(role)
    links = menu(client.get("/", follow_redirects=True).text)
    assert [label for _, label in links] == MENU[role]
    for href, label in links:
        assert client.get(href).status_code == 200, label


def test_my_reviews_is_offered_only_to_trained_visitors(login_as):
    assert "My reviews" in [label for _, label in menu(
        login_as("icv", crr_trained=1).get("/visits/").text)]
