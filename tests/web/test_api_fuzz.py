"""Schemathesis against ``/api/v1/_openapi``, in-process, as admin and as a viewer: no server errors anywhere
(for requests that follow the document and for requests that break it), and the register endpoints answer
what the document says (status codes, content types, response bodies).

Flask-AppBuilder's own endpoints (menu, security login/refresh, the document itself) are only held to
"no server error": their documents are FAB's (the README lists the known mismatches).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import login

pytestmark = pytest.mark.slow

#: Generated requests per operation, role and mode (following / breaking the document): about two minutes
#: for both roles on both databases on 2 cores.
EXAMPLES = 8
REGISTER_CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
                   content_type_conformance]
FAB_OWNED = ("/api/v1/menu/", "/api/v1/security/", "/api/{version}/_openapi")
PASSWORD = "Fuzzer-pass-2026"


def _client(app: Any, role: str) -> Any:
    from portal.security.accounts import create_user

    client = app.test_client()
    if role == "admin":
        assert login(client).status_code == 302
        return client
    username = f"fuzz_{role}"
    with app.app_context():
        if not app.appbuilder.sm.find_user(username=username):
            create_user(username, PASSWORD, role, org_code="A")
    assert login(client, username, PASSWORD).status_code == 302
    return client


def _run(operation: Any, client: Any, checks: list[Callable[..., Any]], mode: GenerationMode) -> str | None:
    """Generated requests for one operation; the failure report, or ``None``."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        case.call_and_validate(session=client, checks=checks)

    try:
        call()
    except (Failure, FailureGroup) as failure:
        return f"{operation.label} ({mode.value}): {failure}"
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # Nothing in this operation's document can be broken (every value it accepts is valid).
    return None


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_api_matches_its_openapi_document(app: Any, org_tree: dict[str, int], admin_client: Any, role: str) -> None:
    admin_client.post("/api/v1/members/", json={"name": "张三", "id_card": "11010519491231002X", "org_unit": "A01-1"})
    client = _client(app, role)
    document = client.get("/api/v1/_openapi")
    assert document.status_code == 200
    schema = schemathesis.openapi.from_dict(document.get_json())
    schema.app = app
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fab_owned = operation.path.startswith(FAB_OWNED)
        positive = _run(operation, client, [not_a_server_error] if fab_owned else REGISTER_CHECKS,
                        GenerationMode.POSITIVE)
        negative = _run(operation, client, [not_a_server_error], GenerationMode.NEGATIVE)
        failures.extend(failure for failure in (positive, negative) if failure)
    assert not failures, "\n\n".join(failures)
