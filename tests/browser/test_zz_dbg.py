import pytest
from tests.browser.test_form_size import start
from tests.browser.helpers import fill_detainee, radio
pytestmark = pytest.mark.browser
def test_dbg(page):
    start(page)
    entry = fill_detainee(page, 1, "01CX/20001/26")
    radio(entry, "Told their rights?", "Yes")
    page.screenshot(path="/tmp/full.png", full_page=True, scale="css")
