"""Spec -> Flask-AppBuilder ModelRestApi at ``/api/v1/<slug>/``, writing through ``RegisterService``.

The row schema documents the POST/PUT bodies in OpenAPI and validates them; errors come back as
HTTP 422 ``{"message": {field: [Chinese message]}}``, the same messages as the forms.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from flask import request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import LazyString, gettext
from marshmallow import Schema, fields, post_dump
from sqlalchemy.exc import SQLAlchemyError

from portal.web.api_columns import MaskedQueryApiMixin, masked_converter
from portal.web.openapi import OpenApiMixin
from portal.records.service import AccessGetter, RecordErrors, RecordForbidden, RegisterService
from portal.records.row_schema import LocaleGetter, build_row_schema, make_field
from portal.web.org_subtree import openapi_list_doc
from portal.web.views import filter_columns, make_interface
from portal.errors import MESSAGES, api_bad_request_message, status_and_hint
from portal.registry.derivations import is_stored
from portal.registry.spec import FieldSpec, RegisterSpec, Registry
from portal.security.masking import mask_value
from portal.state import current_locale


class LinkDump(fields.Field):
    """A link as ``{"id", "key", "title"}`` of the linked record: the key masked if the reader may not see it,
    ``null`` when the linked record lies outside the reader's scope."""

    def __init__(self, field: FieldSpec, target: RegisterSpec, access: AccessGetter) -> None:
        super().__init__(dump_only=True, metadata={
            "description": LazyString(lambda: gettext("%(field)s (the linked record's id, key and title)",
                                                      field=field.label.get(current_locale()))),
            "type": "object", "nullable": True, "required": ["id", "key", "title"],
            "properties": {"id": {"type": "integer"}, "key": {"type": "string", "nullable": True},
                           "title": {"type": "string"}},
        })
        self.target = target
        self.access = access

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        reader = self.access()
        if not reader.reaches(self.target, value):
            return {"id": value.id, "key": None, "title": str(value)}  # an old link out of scope: title only
        key = getattr(value, self.target.key)
        if reader.hidden(self.target, self.target.key_field):
            key = mask_value(self.target.key_field, key)
        return {"id": value.id, "key": key, "title": str(value)}


def build_dump_schema(spec: RegisterSpec, registry: Registry, locale: LocaleGetter, access: AccessGetter,
                      suffix: str) -> type[Schema]:
    """The GET body; sensitive values come masked for readers whose roles do not unmask them."""
    attrs: dict[str, Any] = {"id": fields.Integer(dump_only=True)}
    for field in spec.fields:
        attrs[field.name] = (LinkDump(field, registry.get(field.target or ""), access) if field.is_link
                             else make_field(field, locale))

    @post_dump
    def mask_hidden(self: Schema, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        reader = access()
        for field in spec.fields:
            if field.name in data and reader.hidden(spec, field):
                data[field.name] = mask_value(field, data[field.name])
        return data

    attrs["mask_hidden"] = mask_hidden
    return type(f"{spec.slug.title().replace('_', '')}{suffix}", (Schema,), attrs)


class PortalRestApi(OpenApiMixin, MaskedQueryApiMixin, ModelRestApi):
    """Base of every generated register API."""

    register: RegisterSpec
    service_getter: Callable[[], RegisterService]

    def response_401(self) -> Any:
        return self.response(401, message=gettext("Please sign in"))

    def response_403(self) -> Any:
        return self.response(403, message=gettext("You may not do this"))

    def response_404(self) -> Any:
        return self.response(404, message=gettext("The record does not exist or is outside your scope"))

    def response_400(self, message: Any = None) -> Any:
        return self.response(400, message=api_bad_request_message(message or str(MESSAGES[400][1])))

    def response_422(self, message: Any = None) -> Any:
        """Always ``{"message": {field: [Chinese messages]}}``; anything else FAB would send (English database
        text) is replaced by a sentence saying what to do."""
        if not isinstance(message, dict):
            message = {"_schema": [gettext("Cannot delete or save: other records still refer to this one or conflict with it;"
                                           " deal with those records first, then try again")]}
        return self.response(422, message=message)

    def response_500(self, message: Any = None) -> Any:
        """Called by FAB's ``safe`` inside its ``except``: a refused request or an out-of-range value is a 4xx."""
        status, hint = status_and_hint(sys.exc_info()[1] or RuntimeError(message))
        return self.response(status, message=hint)

    def _save(self, write: Callable[[RegisterService], Any], status: int) -> Any:
        """Run one write through the record service in a transaction; Chinese 400/422 on bad input."""
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message=gettext("The request body must be a JSON object"))
        service = self.service_getter()
        try:
            item = write(service)
            service.session.commit()
        except RecordForbidden as error:
            service.session.rollback()
            return self.response(403, message=str(error))
        except RecordErrors as error:
            service.session.rollback()
            return self.response_422(message=error.errors)
        except SQLAlchemyError:
            service.session.rollback()
            return self.response_422(message={"_schema": [gettext(
                "Not saved: the data clashes with another record; check the unique fields and try again")]})
        return self.response(status, result=self.show_model_schema.dump(item), id=item.id)

    def post_headless(self) -> Any:
        return self._save(lambda service: service.create(request.json), 201)

    def delete_headless(self, pk: Any) -> Any:
        """Delete through the register service: audited, and refused (422, in Chinese) while others link to it."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        service = self.service_getter()
        try:
            service.delete(item)
            service.session.commit()
        except RecordErrors as error:
            service.session.rollback()
            return self.response_422(message=error.errors)
        return self.response(200, message="OK")

    def put_headless(self, pk: Any) -> Any:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        return self._save(lambda service: service.update(item, request.json), 200)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self) -> Any:
        """Create a record.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.post'
          responses:
            201:
              description: 已创建
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            400:
              $ref: '#/components/responses/400'
            422:
              $ref: '#/components/responses/422'
        """
        return self.post_headless()

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk: int) -> Any:
        """Update a record (fields left out keep their value).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
          responses:
            200:
              description: 已更新
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        return self.put_headless(pk)


class ApprovalApiMixin:
    """``PUT /api/v1/<slug>/<pk>/approve`` with only the approval fields, for roles with ``approve``."""

    @expose("/<int:pk>/approve", methods=["PUT"])
    @protect()
    @safe
    @permission_name("approve")
    def approve(self, pk: int) -> Any:
        """Record an approval decision (only the register's approval fields).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
          responses:
            200:
              description: 已审批
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        approval = self.register.approval  # type: ignore[attr-defined]
        body = request.get_json(silent=True)
        if isinstance(body, dict) and any(name not in approval for name in body):
            return self.response_400(message=gettext(  # type: ignore[attr-defined]
                "Approval may change only the approval fields: %(fields)s", fields=gettext(", ").join(approval)))
        return self.put_headless(pk)  # type: ignore[attr-defined]


def build_api(spec: RegisterSpec, registry: Registry, models: dict[str, Any],
              service: Callable[[], RegisterService], locale: LocaleGetter, access: AccessGetter,
              mixins: tuple[type, ...] = ()) -> type[PortalRestApi]:
    model = models[spec.slug]
    row_schema = build_row_schema(spec, locale)
    editable = [field.name for field in spec.editable_fields]
    stored = [field.name for field in spec.fields if is_stored(field)]
    attrs: dict[str, Any] = {
        "register": spec,
        "service_getter": staticmethod(service),
        "resource_name": spec.slug,
        "datamodel": make_interface(spec, registry, models),
        "class_permission_name": f"{spec.slug}_api",
        "allow_browser_login": True,
        "list_columns": ["id", *[field.name for field in spec.fields]],
        "show_columns": ["id", *[field.name for field in spec.fields]],
        "add_columns": editable,
        "edit_columns": editable,
        "search_columns": [name for name in stored if name in spec.screens.search or name in
                           filter_columns(spec, registry) or name == spec.key],
        "sortable_columns": [name for name in stored if not spec.field(name).is_link],
        "label_columns": {field.name: field.label.zh for field in spec.fields},
        "description_columns": {field.name: field.help.zh for field in spec.fields if field.help},
        "add_model_schema": row_schema(),
        "edit_model_schema": row_schema(partial=True),
        "list_model_schema": build_dump_schema(spec, registry, locale, access, "List")(),
        "show_model_schema": build_dump_schema(spec, registry, locale, access, "Show")(),
        "model2schemaconverter": masked_converter(build_dump_schema(spec, registry, locale, access, "Columns")),
        "openapi_spec_tag": spec.label.zh,
        "openapi_spec_methods": openapi_list_doc(spec),
        "page_size": 25,
    }
    bases = (*mixins, ApprovalApiMixin, PortalRestApi) if spec.approval else (*mixins, PortalRestApi)
    return type(f"{model.__name__}Api", bases, attrs)
