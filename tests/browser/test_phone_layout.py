"""Every register on a 390 × 844 phone: the add, edit, show and list pages never stick out sideways.

One fully filled record per register is made through the REST API first (long values make overflow
likely). A page fails when the document is wider than the window, or when any visible element's right
edge is past the window, unless it sits inside a declared horizontal scroller (``.portal-scroll-x``).
Forms must stack their labels above the inputs, and the buttons must be at least 44 px tall.
A list and a form are also shot at 1366 px. Screenshots: ``test-artifacts/browser/<database>-phone-*.png``.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from portal.domain.idcard import check_character
from portal.registry.spec import FieldSpec, RegisterSpec
from tests.browser.conftest import LiveServer, admin_client, log_in, serving_portal
from tests.conftest import DATABASES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG = "第一机械厂工会机加工车间分工会车工一组职工代表大会秘书处联络员"
SAMPLES: dict[str, Any] = {
    "string": LONG[:24], "text": LONG * 3, "integer": 12, "decimal": "12345.6789",
    "money": "123456.78", "date": "2021-05-17", "month": "2021-05", "boolean": True,
    "phone": "13912345678", "email": "a.very.long.address.for.testing@example-union.cn",
}

#: Values for fields with a ``pattern`` (the first that matches is used).
PATTERNED = ("6222021234567890123", "ZZ-LONG-CODE-0000001")

#: Finds what sticks out: elements past the right edge, skipping hidden ones and declared scrollers.
OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const found = [];
  const skip = '.portal-scroll-x, .select2-hidden-accessible, .sr-only, script, style, template';
  if (root.scrollWidth > width) found.push(`页面宽 ${root.scrollWidth} px > ${width} px`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest(skip)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let right = box.right;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const clip = getComputedStyle(up).overflowX;
      if (clip === 'hidden' || clip === 'clip') right = Math.min(right, up.getBoundingClientRect().right);
    }
    if (right > width + 0.5) found.push(`${name(el)} 右边缘 ${Math.round(right)} px > ${width} px`);
  }
  // Text that runs past the edge of the screen (a line that does not wrap).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest(skip)) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    let right = Math.max(0, ...Array.from(range.getClientRects()).map((box) => box.right));
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const clip = getComputedStyle(up).overflowX;
      if (clip === 'hidden' || clip === 'clip') right = Math.min(right, up.getBoundingClientRect().right);
    }
    if (right > width + 0.5) found.push(`${name(el)} 中的文字“${node.textContent.trim().slice(0, 12)}” 右边缘 ${Math.round(right)} px`);
  }
  return found.slice(0, 12);
}
"""

#: Buttons and inputs the user taps that are shorter than 44 px.
SMALL_TARGETS_JS = """
() => {
  const found = [];
  const selector = '.container .btn, .container input.form-control, .container select.form-control, ' +
                   '.container .select2-selection, .container textarea';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || el.classList.contains('select2-hidden-accessible')) continue;
    if (box.height < 43.5) found.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} 高 ${Math.round(box.height)} px`);
  }
  return found.slice(0, 12);
}
"""


def _id_card(serial: int) -> str:
    first17 = f"11010519800101{serial:03d}"
    return first17 + check_character(first17)


def _value(field: FieldSpec, spec: RegisterSpec, serial: int) -> Any:
    if field.type == "choice":
        return field.choice_values[-1]
    if field.type == "id_card":
        return _id_card(serial)
    if field.unique or field.name in (spec.key, spec.title):
        return f"{spec.slug[:3].upper()}-{serial:03d}" if field.type == "string" else SAMPLES[field.type]
    if field.pattern:
        value = next(sample for sample in PATTERNED if re.fullmatch(field.pattern, sample))
        return value[:field.max_length] if field.max_length else value
    value = SAMPLES[field.type]
    if field.type == "integer" and field.min is not None:
        return int(field.min)
    return value[:field.max_length] if isinstance(value, str) and field.max_length else value


def _in_link_order(specs: list[RegisterSpec]) -> list[RegisterSpec]:
    ordered: list[RegisterSpec] = []
    while len(ordered) < len(specs):
        done = {item.slug for item in ordered}
        for spec in specs:
            if spec.slug not in done and all(field.target in done | {spec.slug} for field in spec.links):
                ordered.append(spec)
                done.add(spec.slug)
    return ordered


@pytest.fixture(scope="module", params=DATABASES)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: the records made here do not show up in other tests' lists."""
    with serving_portal(request.param, tmp_path_factory, "phone") as server:
        yield server


@pytest.fixture(scope="module")
def records(live_server: LiveServer) -> dict[str, int]:
    """One fully filled record per register (in 车工一组), made through the REST API."""
    app = live_server.app
    registry = app.extensions["portal"].registry
    client = admin_client(app)
    made: dict[str, int] = {}
    for serial, spec in enumerate(_in_link_order(list(registry)), start=101):
        values: dict[str, Any] = {}
        for field in spec.editable_fields:
            if field.is_link:
                target = made.get(field.target or "")
                if field.target == "org_units":
                    target = live_server.org_units["A01-1"]
                if target is not None and field.target != spec.slug:
                    values[field.name] = target
            else:
                values[field.name] = _value(field, spec, serial)
        if spec.slug == "org_units":
            values["parent"] = live_server.org_units["A01-1"]
        response = client.post(f"/api/v1/{spec.slug}/", json=values)
        for _ in range(3):  # fields only a workflow transition may fill stay blank on a new record
            if response.status_code != 422:
                break
            refused = response.get_json()["message"]
            values = {name: value for name, value in values.items() if name not in refused}
            response = client.post(f"/api/v1/{spec.slug}/", json=values)
        assert response.status_code == 201, (spec.slug, response.get_json())
        made[spec.slug] = response.get_json()["id"]
    return made


def _check(page: Any, server: LiveServer, path: str, shot: str) -> list[str]:
    page.goto(f"{server.url}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(server.screenshot_path(f"phone-{shot}")), full_page=True)
    return [f"{path}: {problem}" for problem in page.evaluate(OVERFLOW_JS)]


def test_no_page_of_any_register_is_wider_than_a_phone(live_server: LiveServer, page: Any,
                                                        records: dict[str, int]) -> None:
    server = live_server
    page.set_viewport_size(PHONE)
    log_in(page, server)
    problems: list[str] = []
    for slug, pk in records.items():
        for kind, path in (("list", f"/{slug}/list/"), ("add", f"/{slug}/add"),
                           ("edit", f"/{slug}/edit/{pk}"), ("show", f"/{slug}/show/{pk}")):
            problems += _check(page, server, path, f"{slug}-{kind}")
    assert not problems, "\n".join(problems)


def test_phone_forms_stack_labels_and_have_big_targets(live_server: LiveServer, page: Any,
                                                       records: dict[str, int]) -> None:
    server = live_server
    page.set_viewport_size(PHONE)
    log_in(page, server)
    page.goto(f"{server.url}/members/edit/{records['members']}")
    label = page.locator("label[for=name]").first.bounding_box()
    box = page.locator("#name").bounding_box()
    assert label and box and label["y"] + label["height"] <= box["y"] + 1, "手机上标签应在输入框上方"
    assert box["width"] > 300, "手机上输入框应占满一行"
    assert page.evaluate(SMALL_TARGETS_JS) == []
    # Pickers open below their field with its label still on the screen.
    # (会籍状态 and its date change by workflow transitions only, so the form has other pickers to try)
    for name, picker, opened in (("education", "#education + .select2-container", ".select2-dropdown"),
                                 ("org_unit", "#org_unit + .select2-container", ".select2-dropdown"),
                                 ("joined_on", "#joined_on", ".datepicker-dropdown")):
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.locator(picker).click()
        dropdown = page.locator(opened).first
        dropdown.wait_for(state="visible")
        label_box = page.locator(f"label[for={name}]").first.bounding_box()
        drop_box = dropdown.bounding_box()
        assert label_box and drop_box and label_box["y"] >= 0, f"{name}：打开选择框后标签不在屏幕上"
        assert drop_box["y"] >= label_box["y"] + label_box["height"], f"{name}：选择框盖住了标签"
        page.screenshot(path=str(server.screenshot_path(f"phone-members-picker-{name}")))
        page.keyboard.press("Escape")
        page.locator(".panel-heading").first.click()

    page.goto(f"{server.url}/members/list/")
    cards = page.locator("tr.portal-card-row")
    assert cards.count() >= 1
    first = cards.first.bounding_box()
    assert first and first["width"] <= PHONE["width"], "手机上的列表应是一张张卡片"
    assert page.locator(".portal-list thead th:not(.portal-select)").first.is_hidden()
    # Each value in a card is named by its column.
    assert page.evaluate("getComputedStyle(document.querySelector('.portal-list td[data-label]'), '::before')"
                         ".content") == '"姓名"'
    page.screenshot(path=str(server.screenshot_path("phone-members-cards")), full_page=True)


def test_desktop_list_and_form_keep_their_table_and_columns(live_server: LiveServer, page: Any,
                                                           records: dict[str, int]) -> None:
    server = live_server
    page.set_viewport_size(DESKTOP)
    log_in(page, server)
    page.goto(f"{server.url}/members/list/")
    assert page.locator(".table-responsive thead").is_visible(), "电脑上列表仍是表格"
    page.screenshot(path=str(server.screenshot_path("desktop-members-list")), full_page=True)
    assert page.evaluate(OVERFLOW_JS) == []
    page.goto(f"{server.url}/members/edit/{records['members']}")
    label = page.locator("label[for=name]").first.bounding_box()
    box = page.locator("#name").bounding_box()
    assert label and box and label["x"] + label["width"] <= box["x"] + 1, "电脑上标签在输入框左侧"
    page.screenshot(path=str(server.screenshot_path("desktop-members-edit")), full_page=True)

