import pytest
from tests.browser.conftest import log_in
pytestmark = pytest.mark.browser
def test_dbg(live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/members/add")
    page.wait_for_load_state("networkidle")
    print(page.evaluate("""() => { const out=[]; for (const el of document.querySelectorAll('*')) { const b=el.getBoundingClientRect(); if (b.right>390.5) out.push(el.tagName+'#'+el.id+'.'+el.className+' '+b.left+'-'+b.right+' h'+b.height+' '+getComputedStyle(el).visibility+getComputedStyle(el).position); } return out.slice(0,30); }"""))
