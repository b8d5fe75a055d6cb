"""The membership workflow (schemas/members.yaml): admission, a transfer accepted by the receiving
union's clerk, hold, leaving, lapse only with six unpaid months and a counselling record, expulsion only
with a sanction note, re-joining. Through the API as clerks and the chair.

Org tree (tests/conftest.py): HQ → A, B; A → A01 → A01-1.
"""

from __future__ import annotations

from typing import Any

from portal.records.workflow import today
from tests.io.test_xlsx_import import ident
from tests.records.test_dues_month import run
from tests.records.test_org_checks import user_client

WANG = {"name": "王小明", "id_card": "11010519491231002X", "org_unit": "A01", "monthly_wage": "5000",
        "member_card_no": "HY9001"}


def _member(admin_client: Any, **extra: Any) -> int:
    created = admin_client.post("/api/v1/members/", json={**WANG, **extra})
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["id"])


def press(client: Any, pk: int, name: str, **body: Any) -> Any:
    return client.post(f"/api/v1/members/{pk}/transition/{name}", json=body)


def test_a_member_moves_to_another_union_when_its_clerk_accepts(app: Any, admin_client: Any,
                                                                org_tree: dict[str, int]) -> None:
    pk = _member(admin_client)
    sender, receiver, chair_b = (user_client(app, "clerk", "A"), user_client(app, "clerk", "B"),
                                 user_client(app, "chair", "B"))
    assert receiver.get(f"/api/v1/members/{pk}").status_code == 404
    missing = press(sender, pk, "transfer_out")
    assert missing.status_code == 422 and "转入单位" in missing.get_json()["message"]
    out = press(sender, pk, "transfer_out", fields={"transfer_to": "B"})
    assert out.status_code == 200 and out.get_json()["result"]["status"] == "转出中", out.get_json()
    # The receiving side sees the member waiting, on its list and its to-do page; the sending side cannot accept.
    assert receiver.get(f"/api/v1/members/{pk}").status_code == 200
    assert "王小明" in receiver.get("/todo/").get_data(as_text=True)
    assert "王小明" not in chair_b.get("/todo/").get_data(as_text=True)
    refused = press(sender, pk, "accept_transfer")
    assert refused.status_code == 403 and "只能由接收方办理" in refused.get_json()["message"]
    assert press(receiver, pk, "cancel_transfer").status_code == 403
    assert receiver.put(f"/api/v1/members/{pk}", json={"phone": "13800138000"}).status_code in (403, 422)
    accepted = press(receiver, pk, "accept_transfer")
    assert accepted.status_code == 200, accepted.get_json()
    result = accepted.get_json()["result"]
    assert result["status"] == "在籍" and result["org_unit"]["key"] == "B" and result["transfer_to"] is None
    assert result["status_changed_on"] == today().isoformat()
    assert sender.get(f"/api/v1/members/{pk}").status_code == 404  # now B's member
    history = receiver.get(f"/members/show/{pk}").get_data(as_text=True)
    assert "转出" in history and "接收转入" in history


def test_hold_leave_rejoin_and_admission(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    pk = _member(admin_client)
    clerk, chair = user_client(app, "clerk", "A"), user_client(app, "chair", "A")
    missing = press(clerk, pk, "hold", fields={"hold_reason": "退休"})
    assert missing.status_code == 422 and "停交会费起始日期" in missing.get_json()["message"]
    held = press(clerk, pk, "hold", fields={"hold_reason": "退休", "hold_from": "2026-12-01"})
    assert held.get_json()["result"]["status"] == "保留会籍"
    assert press(clerk, pk, "leave").status_code == 422  # a reason is required
    assert press(clerk, pk, "leave", reason="本人书面申请退会").get_json()["result"]["status"] == "退会"
    assert press(clerk, pk, "rejoin").get_json()["result"]["status"] == "申请中"
    assert press(clerk, pk, "admit").status_code == 403  # the base committee (approve) admits
    admitted = press(chair, pk, "admit").get_json()["result"]
    assert admitted["status"] == "在籍" and admitted["joined_on"] == today().isoformat()
    new = admin_client.post("/api/v1/members/", json={"name": "李申请", "id_card": "440524188001010014",
                                                      "org_unit": "A", "status": "申请中"})
    assert new.status_code == 201, new.get_json()
    held_new = admin_client.post("/api/v1/members/", json={"name": "赵保留", "id_card": ident("19900101", 23),
                                                           "org_unit": "A", "status": "保留会籍"})
    assert held_new.status_code == 422 and "只能是“在籍”或“申请中”" in str(held_new.get_json())


def test_a_lapse_needs_six_unpaid_months_and_a_counselling_record(app: Any, admin_client: Any,
                                                                 org_tree: dict[str, int]) -> None:
    pk = _member(admin_client)
    chair = user_client(app, "chair", "A")
    talk = {"counselled_on": "2026-11-02", "counselling_note": "小组长谈话，本人表示不再参加工会"}
    months = [f"2026-{month:02d}" for month in range(5, 11)]
    for month in months[:5]:
        run(app, month=month)
    early = press(chair, pk, "lapse", fields=talk)
    assert early.status_code == 422 and "连续未交会费的月数 >= 6" in early.get_json()["message"]
    run(app, month=months[5])
    no_talk = press(chair, pk, "lapse")
    assert no_talk.status_code == 422 and "教育谈话日期" in no_talk.get_json()["message"]
    lapsed = press(chair, pk, "lapse", fields=talk)
    assert lapsed.status_code == 200, lapsed.get_json()
    assert lapsed.get_json()["result"]["status"] == "自动退会"


def test_expulsion_needs_a_sanction_note_and_a_reason(app: Any, admin_client: Any, org_tree: dict[str, int]) -> None:
    pk = _member(admin_client)
    chair, clerk = user_client(app, "chair", "A"), user_client(app, "clerk", "A")
    assert press(clerk, pk, "expel", reason="x", fields={"sanction_note": "x"}).status_code == 403
    bare = press(chair, pk, "expel", reason="受刑事处分")
    assert bare.status_code == 422 and "刑事处分情况" in bare.get_json()["message"]
    expelled = press(chair, pk, "expel", reason="受刑事处分",
                     fields={"sanction_note": "某区人民法院（2026）刑初 1 号判决"})
    assert expelled.status_code == 200 and expelled.get_json()["result"]["status"] == "开除会籍"
