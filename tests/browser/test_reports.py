"""The home dashboard and every report page in a real browser, offline: charts drawn by the vendored
ECharts (Chinese), nothing fetched from another host, at desktop (1366 px) and phone (390 px) widths.

Screenshots: ``test-artifacts/browser/<database>-report-<name>-<width>.png`` and ``...-dashboard-<width>.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.registry.loader import load_registry
from portal.registry.reports import read_reports
from tests.browser.conftest import LiveServer, NetworkLog, log_in, new_context, watch
from tests.browser.test_offline import assert_self_contained

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REPORTS = read_reports(ROOT / "schemas", load_registry(ROOT / "schemas"))[0].names
WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
PAGES = [("dashboard", "/")] + [(f"report-{name}", f"/reports/{name}/") for name in REPORTS]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_dashboard_and_reports_draw_offline(live_server: LiveServer, browser: Any, network: NetworkLog,
                                            width: str) -> None:
    phone = width == "390"
    context = new_context(browser, network, viewport=WIDTHS[width], is_mobile=phone, has_touch=phone,
                          device_scale_factor=2 if phone else 1)
    try:
        page = watch(context.new_page(), network)
        log_in(page, live_server)
        for name, path in PAGES:
            network.clear()
            response = page.goto(live_server.url + path, wait_until="networkidle")
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            charts = page.locator("[data-chart]")
            expect(charts.first).to_be_visible()
            expect(page.locator("[data-chart-ready='1']")).to_have_count(charts.count())
            assert page.locator("[data-chart] svg").count() == charts.count()
            if name != "dashboard":
                expect(page.locator("#portal-report-table, #portal-report-empty")).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert_self_contained(page, network, path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width}px"
            page.screenshot(path=live_server.screenshot_path(f"{name}-{width}"), full_page=True)
    finally:
        context.close()
