import pytest
from tests.browser.test_form_size import start
from tests.browser.helpers import fill_detainee, radio, SS1_ANSWERS
pytestmark = pytest.mark.browser
def test_dbg(page):
    start(page)
    fill_detainee(page, 1, "01CX/20002/26", age_band="14 to 15", gender="Female",
                  flags={"strip_search": SS1_ANSWERS, "child": {
                      "Where is the child held?": "Juvenile detention room",
                      "Is the child sharing a cell or room with an adult?": "No",
                      "Is the child expected to stay overnight?": "No"}})
    page.locator("#detainees-0").screenshot(path="/tmp/det.png", scale="css")
