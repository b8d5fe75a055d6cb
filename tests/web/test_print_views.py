"""Printing from the screens: a record's form as a PDF, masked and scoped as its page; the list's
打印所选 as one PDF made in the background; who may do which."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

import pytest

from portal.domain.idcard import make_id_card
from tests.conftest import create_as_system
from tests.printing.pdf import pdf_fonts, pdf_pages, pdf_text

ID_CARD = "11010519491231002X"
MEMBER = {"name": "张三丰", "id_card": ID_CARD, "org_unit": "A01-1", "status": "在籍", "joined_on": "2015-03-01",
          "phone": "13812345678", "monthly_wage": "6800.00", "employer": "第一机械厂"}


def _client(app: Any, role: str, org_code: str = "A") -> Any:
    from portal.security.accounts import create_user
    from tests.conftest import login

    name = f"{role}_{uuid.uuid4().hex[:12]}"
    with app.app_context():
        create_user(name, "Print-pass-2026", role, org_code=org_code)
    client = app.test_client()
    assert login(client, name, "Print-pass-2026").status_code == 302
    return client


@pytest.fixture()
def member_id(admin_client: Any, org_tree: dict[str, int]) -> int:
    response = admin_client.post("/api/v1/members/", json=MEMBER)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _flat(text: str) -> str:
    return "".join(text.split())


def test_the_record_page_offers_the_form_and_it_prints_the_person(admin_client: Any, member_id: int) -> None:
    page = admin_client.get(f"/members/show/{member_id}").get_data(as_text=True)
    assert f'href="/members/print/registration/{member_id}"' in page and "打印会员登记表" in page
    response = admin_client.get(f"/members/print/registration/{member_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    text = _flat(pdf_text(response.data))
    for shown in ("会员登记表", "张三丰", ID_CARD, "13812345678", "6,800.00", "第一机械厂", "工会小组A01-1"[:2]):
        assert shown in text
    assert pdf_pages(response.data) == 1
    fonts = pdf_fonts(response.data)
    assert fonts and all(font["emb"] == "yes" for font in fonts)


def test_a_reader_without_unmask_gets_the_masked_values_on_paper(app: Any, member_id: int) -> None:
    viewer = _client(app, "viewer")
    response = viewer.get(f"/members/print/registration/{member_id}")
    assert response.status_code == 200
    text = _flat(pdf_text(response.data))
    assert "张三丰" in text
    assert ID_CARD not in text and "110105********002X" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "6,800.00" not in text


def test_a_record_outside_the_scope_is_not_found(app: Any, member_id: int) -> None:
    outsider = _client(app, "clerk", org_code="B")
    assert outsider.get(f"/members/print/registration/{member_id}").status_code == 404
    assert outsider.get(f"/members/show/{member_id}").status_code == 404


def test_unknown_forms_and_records_are_not_found(admin_client: Any, member_id: int) -> None:
    assert admin_client.get(f"/members/print/nosuchform/{member_id}").status_code == 404
    assert admin_client.get("/members/print/registration/999999999").status_code == 404
    assert admin_client.get("/members/print/registration/99999999999999999999999").status_code == 404


def test_printing_needs_the_read_right(app: Any, member_id: int) -> None:
    delegate = _client(app, "delegate")
    response = delegate.get(f"/members/print/registration/{member_id}")
    assert response.status_code in (302, 403)
    assert response.mimetype != "application/pdf"


def _wait_done(client: Any, location: str) -> str:
    for _ in range(600):
        page = client.get(location).get_data(as_text=True)
        if "portal-job-phase" not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the print job did not finish")


def test_print_selected_makes_one_pdf_in_the_background(admin_client: Any, org_tree: dict[str, int]) -> None:
    ids = []
    for number in range(3):
        row = {**MEMBER, "name": f"李四{number}", "id_card": make_id_card("110105", date(1980, 1, 2), 10 + number)}
        response = admin_client.post("/api/v1/members/", json=row)
        assert response.status_code == 201, response.get_json()
        ids.append(str(response.get_json()["id"]))
    listing = admin_client.get("/members/list/").get_data(as_text=True)
    assert "打印所选会员登记表" in listing and "select.js" in listing
    response = admin_client.post("/members/print/selected", data={"form": "registration", "rowid": ids})
    assert response.status_code == 302 and "/members/print/job/" in response.headers["Location"]
    page = _wait_done(admin_client, response.headers["Location"])
    assert "已排版 3 条记录，共 3 页" in page
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    pdf = admin_client.get(f"/members/print/job/{job_id}/file")
    assert pdf.mimetype == "application/pdf" and pdf_pages(pdf.data) == 3
    text = _flat(pdf_text(pdf.data))
    assert all(f"李四{number}" in text for number in range(3))
    audit = admin_client.get("/audit/list/?_flt_0_register=members").get_data(as_text=True)
    assert "打印会员登记表 3 条记录" in audit


def test_print_selected_leaves_out_records_outside_the_scope(app: Any, admin_client: Any,
                                                             member_id: int, org_tree: dict[str, int]) -> None:
    response = admin_client.post("/api/v1/members/", json={**MEMBER, "name": "王五",
                                                           "id_card": make_id_card("110105", date(1981, 3, 4), 7),
                                                           "org_unit": "B"})
    other = str(response.get_json()["id"])
    clerk = _client(app, "clerk", org_code="A")
    response = clerk.post("/members/print/selected", data={"form": "registration", "rowid": [str(member_id), other]})
    page = _wait_done(clerk, response.headers["Location"])
    assert "已排版 1 条记录" in page
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    text = _flat(pdf_text(clerk.get(f"/members/print/job/{job_id}/file").data))
    assert "张三丰" in text and "王五" not in text
    # another user cannot see the job or its file
    assert admin_client.get(f"/members/print/job/{job_id}/file").status_code == 404


def test_print_selected_needs_export_and_a_selection(app: Any, admin_client: Any, member_id: int) -> None:
    viewer = _client(app, "viewer")
    assert "打印所选" not in viewer.get("/members/list/").get_data(as_text=True)
    refused = viewer.post("/members/print/selected", data={"form": "registration", "rowid": [str(member_id)]})
    assert refused.status_code in (302, 403) and "/print/job/" not in refused.headers.get("Location", "")
    empty = admin_client.post("/members/print/selected", data={"form": "registration"}, follow_redirects=True)
    assert "请先在列表中勾选要打印的记录" in empty.get_data(as_text=True)


def test_the_signoff_sheet_lists_the_selected_grants_with_a_total(admin_client: Any, org_tree: dict[str, int],
                                                                  member_id: int) -> None:
    create_as_system(admin_client.application, "assistance_cases", {  # a case filed before (its workflow is done)
        "case_no": "KN-2026-001", "member": ID_CARD, "org_unit": "A01-1", "hardship_category": "相对困难",
        "household_size": 3, "filed_on": "2026-01-05", "status": "已建档"})
    ids = []
    for number, amount in ((1, "1200.00"), (2, "800.50")):
        grant = admin_client.post("/api/v1/assistance_grants/", json={
            "grant_no": f"FF-2026-00{number}", "assistance_case": "KN-2026-001", "member": ID_CARD,
            "relief_type": "生活救助", "amount": amount, "granted_on": "2026-02-01", "payment_method": "实名打卡"})
        assert grant.status_code == 201, grant.get_json()
        ids.append(str(grant.get_json()["id"]))
    response = admin_client.post("/assistance_grants/print/selected", data={"form": "signoff", "rowid": ids})
    page = _wait_done(admin_client, response.headers["Location"])
    assert "已排版 2 条记录，共 1 页" in page
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    text = _flat(pdf_text(admin_client.get(f"/assistance_grants/print/job/{job_id}/file").data))
    assert "帮扶发放签收表" in text and "FF-2026-001" in text and "FF-2026-002" in text
    assert "2,000.50" in text and "领取人签名" in text
    # the grants register has no record form: no print button on a grant's page
    assert "portal-print" not in admin_client.get(f"/assistance_grants/show/{ids[0]}").get_data(as_text=True)
