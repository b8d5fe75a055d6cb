"""The register APIs' OpenAPI document and ``_info``, corrected where Flask-AppBuilder's generic ones are wrong.

Clients are generated from ``/api/v1/_openapi``, so it says what the API really does: ids are
integers, a 422 ``message`` is an object of field -> list of Chinese messages, ``_info`` marks the
fields a new record needs as required and never shows a translation catalogue's header as a field
description (``gettext("")`` returns it, and FAB translates every description, empty ones too).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from apispec import APISpec
from apispec.exceptions import DuplicateComponentNameError
from flask_babel import gettext

from portal.registry.spec import RegisterSpec
from portal.security.access import NO_ACCESS
from portal.state import current_locale

#: The response component every register operation uses for 422.
FIELD_ERRORS = "FieldErrors"


def field_errors_response() -> dict[str, Any]:
    """The 422 body, described in the reader's language (the document is built per request)."""
    return {
        "description": gettext("Invalid data: message maps each field name to a list of error messages"
                               " (_schema for problems of the whole record)"),
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }},
        }}},
    }


_GENERIC_422 = {"$ref": "#/components/responses/422"}


def field_info() -> dict[str, Any]:
    """One entry of ``_info``'s ``add_columns`` / ``edit_columns`` (FAB documents the lists as objects)."""
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "label": {"type": "string"},
                "description": {"type": "string",
                                "description": gettext("Help text; an empty string when there is none")},
                "type": {"type": "string"},
                "required": {"type": "boolean", "description": gettext(
                    "Required when adding (an edit sends only the fields it changes, none required)")},
                "unique": {"type": "boolean"},
            },
        },
    }


class OpenApiMixin:
    """Mixed into the register API base: corrects the generated document and the ``_info`` field list."""

    register: RegisterSpec
    route_base: str

    def add_apispec_components(self, api_spec: APISpec) -> None:
        super().add_apispec_components(api_spec)  # type: ignore[misc]
        with suppress(DuplicateComponentNameError):
            api_spec.components.response(FIELD_ERRORS, field_errors_response())

    def add_api_spec(self, api_spec: APISpec) -> None:
        super().add_api_spec(api_spec)  # type: ignore[misc]
        for suffix in ("get", "get_list"):
            schema = api_spec.components.schemas.get(f"{type(self).__name__}.{suffix}")
            if schema is not None:
                _allow_masked(self.register, schema)
        for path, operations in api_spec._paths.items():  # FAB itself builds the document through _paths
            if path == self.route_base or path.startswith(self.route_base + "/"):
                for operation in operations.values():
                    _correct(operation)

    def _get_fields_info(self, cols: list[str], model_schema: Any, filter_rel_fields: Any,
                         **kwargs: Any) -> list[dict[str, Any]]:
        infos: list[dict[str, Any]] = super()._get_fields_info(  # type: ignore[misc]
            cols, model_schema, filter_rel_fields, **kwargs)
        locale = current_locale()
        for info in infos:
            field = self.register.field(info["name"]) if self.register.has_field(info["name"]) else None
            info["required"] = bool(model_schema.fields[info["name"]].required and not model_schema.partial)
            if field is not None:
                info["label"] = field.label.get(locale)
                info["description"] = field.help.get(locale) if field.help else ""
            elif not info.get("description"):
                info["description"] = ""
        return infos


#: Answers any register operation may give besides its own: a bad query or body, not logged in, no permission.
_ALWAYS = {"400": {"$ref": "#/components/responses/400"}, "401": {"$ref": "#/components/responses/401"},
           "403": {"$ref": "#/components/responses/403"}}


def _too_large() -> dict[str, Any]:
    return {"description": gettext("The request body is larger than PORTAL_JSON_MAX_KB (1024 KB by default)"),
            "content": {"application/json": {"schema": {"type": "object",
                                                        "properties": {"message": {"type": "string"}}}}}}


def _allow_masked(spec: RegisterSpec, schema: dict[str, Any]) -> None:
    """A value some role sees masked (``****``, ``****-**-**``) is also a string in responses."""
    properties = schema.get("properties", {})
    for field in spec.fields:
        prop = properties.get(field.name)
        if prop is None or not NO_ACCESS.hidden(spec, field):
            continue
        if prop.get("type") == "string" and prop.get("format") in (None, "decimal") and "enum" not in prop:
            continue  # a masked value is a string of this shape already
        typed = {key: value for key, value in prop.items() if key in ("type", "format", "enum")}
        rest = {key: value for key, value in prop.items() if key not in typed}
        rest["description"] = rest.get("description", "") + gettext(
            " (a role that may not see the value in clear sees it masked, e.g. ****)")
        properties[field.name] = {**rest, "anyOf": [typed, {"type": "string", "description": gettext("Masked value")}]}


def _correct(operation: dict[str, Any]) -> None:
    """One operation: every status it can answer, our 422 body, positive integer ids, ``_info``'s field lists."""
    responses = operation.setdefault("responses", {})
    for status, response in _ALWAYS.items():
        if status not in responses and int(status) not in responses:
            responses[status] = response
    if "requestBody" in operation and "413" not in responses:
        responses["413"] = _too_large()
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "pk":
            parameter["schema"] = {"type": "integer", "minimum": 1}
    for status in list(responses):
        if str(status) == "422" and responses[status] == _GENERIC_422:
            responses[status] = {"$ref": f"#/components/responses/{FIELD_ERRORS}"}
    for response in responses.values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        properties = schema.get("properties", {})
        if "ids" in properties:
            properties["ids"]["items"] = {"type": "integer"}
        if "id" in properties:
            properties["id"] = {**properties["id"], "type": "integer"}
        for name in ("add_columns", "edit_columns"):
            if name in properties:
                properties[name] = field_info()

