"""The OpenAPI document and ``_info`` tell the truth, so that clients can be generated from them."""

from __future__ import annotations

from typing import Any

MEMBER = {"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1", "status": "在籍"}
CATALOGUE_HEADER = "Project-Id-Version"


def _document(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/_openapi")
    assert response.status_code == 200
    return response.get_json()


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = document["components"][section][name]
    return item


def test_required_fields_are_required_and_never_null(admin_client: Any) -> None:
    post = _document(admin_client)["components"]["schemas"]["MembersApi.post"]
    assert {"name", "id_card", "org_unit"} <= set(post["required"])
    assert "status" not in post["required"]  # it has a default
    for name in ("name", "id_card", "org_unit"):
        assert not post["properties"][name].get("nullable"), name
    assert "required" not in _document(admin_client)["components"]["schemas"]["MembersApi.put"]


def test_money_is_a_string_in_requests_and_responses(admin_client: Any, org_tree: dict[str, int]) -> None:
    schemas = _document(admin_client)["components"]["schemas"]
    assert schemas["MembersApi.post"]["properties"]["monthly_wage"]["type"] == "string"
    assert schemas["MembersApi.get"]["properties"]["dues_amount"]["type"] == "string"
    created = admin_client.post("/api/v1/members/", json={**MEMBER, "monthly_wage": "4,567.89"}).get_json()
    assert created["result"]["monthly_wage"] == "4567.89"
    assert created["result"]["dues_amount"] == "22.80"


def test_a_422_message_is_documented_as_field_to_messages(admin_client: Any, org_tree: dict[str, int]) -> None:
    document = _document(admin_client)
    for path, method in (("/api/v1/members/", "post"), ("/api/v1/members/{pk}", "put"),
                         ("/api/v1/members/{pk}", "delete")):
        response = _resolve(document, document["paths"][path][method]["responses"]["422"])
        message = response["content"]["application/json"]["schema"]["properties"]["message"]
        assert message["type"] == "object", (path, method)
        assert message["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    refused = admin_client.post("/api/v1/members/", json={**MEMBER, "name": None})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == {"name": ["姓名不能为空，请填写"]}


def test_links_are_documented_as_written_and_as_returned(admin_client: Any) -> None:
    schemas = _document(admin_client)["components"]["schemas"]
    written = schemas["MembersApi.post"]["properties"]["org_unit"]
    assert written["type"] == "string" and "编号或名称" in written["description"]
    returned = schemas["MembersApi.get"]["properties"]["org_unit"]
    assert returned["type"] == "object"
    assert returned["properties"]["id"] == {"type": "integer"}
    assert set(returned["properties"]) == {"id", "key", "title"}


def test_ids_are_integers_and_masked_values_are_allowed(admin_client: Any) -> None:
    document = _document(admin_client)
    listing = document["paths"]["/api/v1/members/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["properties"]["ids"]["items"] == {"type": "integer"}
    pk = document["paths"]["/api/v1/members/{pk}"]["get"]["parameters"][0]
    assert pk["schema"] == {"type": "integer", "minimum": 1}
    birth_date = document["components"]["schemas"]["MembersApi.get"]["properties"]["birth_date"]
    assert {"type": "string", "description": "打码值"} in birth_date["anyOf"]


def test_info_marks_required_fields_and_never_shows_the_catalogue_header(admin_client: Any) -> None:
    info = admin_client.get("/api/v1/members/_info").get_json()
    add = {column["name"]: column for column in info["add_columns"]}
    assert add["name"]["required"] and add["id_card"]["required"] and add["org_unit"]["required"]
    assert not add["phone"]["required"]
    assert not any(column["required"] for column in info["edit_columns"])
    for column in info["add_columns"] + info["edit_columns"]:
        assert CATALOGUE_HEADER not in column["description"], column["name"]
    assert add["name"]["description"] == ""
    assert add["id_card"]["description"].startswith("18 位公民身份号码")
