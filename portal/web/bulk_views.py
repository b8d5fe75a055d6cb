"""Bulk actions on a register's list: tick rows (or take the whole filtered selection), then change a
field, move the rows to another unit, or delete them.

Each action is two POSTs: the first shows what will happen (the count, the change, the first keys)
and asks to confirm; the second runs it through the register service as one batch and shows a
result per row, with a button to undo the batch. ``edit`` rights change and move, ``delete`` rights
delete; the rows are always cut to the user's scope first.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from portal.extensions import db
from portal.records.batches import ImportBatch
from portal.records.bulk import BULK_DELETE, BULK_LIMIT, BULK_SET
from portal.records.selection import Condition, Selection
from portal.records.service import RecordErrors, RecordForbidden, RegisterService
from portal.records.write import UndoRefused
from portal.registry.spec import FieldSpec, RegisterSpec
from portal.security.current import current_access
from portal.security.masking import mask_value
from portal.web.export_views import list_selection
from portal.web.list_args import ListArgsRefused
from portal.state import current_locale


def bulk_fields(spec: RegisterSpec) -> list[FieldSpec]:
    """The fields a bulk change may set for the current user: writable, not the key, not unique, not
    an approval field, not the org field (moving has its own button)."""
    access = current_access()
    writable = set(access.writable(spec, creating=False))
    return [field for field in spec.editable_fields
            if field.name in writable and field.name != spec.key and not field.unique
            and field.name not in spec.approval and field.name != spec.org_field]


class BulkViewMixin:
    """``/<slug>/bulk/edit``, ``/<slug>/bulk/delete`` and ``/<slug>/bulk/undo/<batch>``."""

    register: RegisterSpec
    service_getter: Any
    bulk_template = "portal/bulk.html"

    def _chosen_ids(self, service: RegisterService) -> list[int]:
        """The ticked ids, or every id of the list's current selection (``scope=all``), inside the user's scope."""
        if request.form.get("scope") == "all":
            selection, _ = list_selection(self, request.args)
        else:
            ids = [int(value) for value in request.form.getlist("rowid") if value.isdigit()]
            selection = Selection((Condition("id", "in", ids[:BULK_LIMIT]),))
        model = service.model
        rows = db.session.scalars(service.query(selection).with_only_columns(model.id).limit(BULK_LIMIT))
        return list(rows)

    def bulk_field_choices(self) -> list[FieldSpec]:
        """For the list's bulk bar."""
        return bulk_fields(self.register)

    def _page(self, **kwargs: Any) -> Any:
        result = kwargs.get("result")
        if result is not None:
            for row in result.rows:
                row.key = self._shown_key(row.key)
        return self.render_template(self.bulk_template, spec=self.register,  # type: ignore[attr-defined]
                                    title=gettext("Bulk changes to %(register)s",
                                                  register=self.register.label.get(current_locale())), **kwargs)

    def _back(self) -> str:
        query = request.query_string.decode()
        return url_for(f"{type(self).__name__}.list") + (f"?{query}" if query else "")

    @expose("/bulk/edit", methods=["POST"])
    @has_access
    @permission_name("edit")
    def bulk_edit(self) -> Any:
        """Change one field of the chosen rows, or move them to another unit (``action=move``)."""
        service: RegisterService = self.service_getter()
        moving = request.form.get("action") == "move"
        name = self.register.org_field if moving else request.form.get("field", "")
        allowed = {field.name: field for field in bulk_fields(self.register)}
        if moving and name and current_access().may_write(self.register, self.register.field(name), False):
            allowed[name] = self.register.field(name)
        try:
            ids = self._chosen_ids(service)
        except ListArgsRefused as refused:
            flash(refused.message, "danger")
            return redirect(self._back())
        if not ids:
            flash(gettext("Tick the records to change first (or choose “all filtered records”)."), "warning")
            return redirect(self._back())
        if not name or name not in allowed:
            flash(gettext("Choose a field you may change."), "warning")
            return redirect(self._back())
        field = allowed[name]
        raw: Any = request.form.get("value", "").strip()
        if field.is_link and raw.isdigit() and moving:
            raw = int(raw)  # the unit picker posts the unit's record id
        try:
            values = service.load({name: raw or None}, partial=True)
        except (RecordErrors, RecordForbidden) as refused:
            message = gettext("; ").join(sum(refused.errors.values(), [])) if isinstance(refused, RecordErrors) else str(refused)
            flash(message, "danger")
            return redirect(self._back())
        shown = str(values[name]) if values.get(name) is not None else gettext("(cleared)")
        label = field.label.get(current_locale())
        change = (gettext("set “%(field)s” to “%(value)s”", field=label, value=shown) if not moving
                  else gettext("move to “%(value)s”", value=shown))
        if request.form.get("confirm") != "1":
            return self._page(step="confirm", action="edit", ids=ids, change=change, count=len(ids),
                              field=name, value=request.form.get("value", ""), moving=moving,
                              keys=self._keys(service, ids[:20]))
        result = service.bulk_set(ids, values, change)
        service.session.commit()
        return self._page(step="result", action="edit", result=result, change=change, count=len(ids))

    @expose("/bulk/delete", methods=["POST"])
    @has_access
    @permission_name("delete")
    def bulk_delete(self) -> Any:
        """Delete the chosen rows that nothing links to."""
        service: RegisterService = self.service_getter()
        try:
            ids = self._chosen_ids(service)
        except ListArgsRefused as refused:
            flash(refused.message, "danger")
            return redirect(self._back())
        if not ids:
            flash(gettext("Tick the records to delete first (or choose “all filtered records”)."), "warning")
            return redirect(self._back())
        change = gettext("delete")
        if request.form.get("confirm") != "1":
            return self._page(step="confirm", action="delete", ids=ids, change=change, count=len(ids),
                              keys=self._keys(service, ids[:20]))
        result = service.bulk_delete(ids, gettext("%(count)s records", count=len(ids)))
        service.session.commit()
        return self._page(step="result", action="delete", result=result, change=change, count=len(ids))

    @expose("/bulk/undo/<int:batch_id>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def bulk_undo(self, batch_id: int) -> Any:
        """Undo a bulk change or deletion of this user's (deleting needs ``delete`` rights to undo too)."""
        batch = db.session.get(ImportBatch, batch_id)
        access = current_access()
        if (batch is None or batch.register != self.register.slug or batch.mode not in (BULK_SET, BULK_DELETE)
                or batch.username != access.username):
            abort(404)
        if batch.mode == BULK_DELETE and not access.can(self.register.slug, "delete"):
            abort(403)
        service: RegisterService = self.service_getter()
        try:
            done = service.undo(batch)
            service.session.commit()
        except UndoRefused as refused:
            service.session.rollback()
            flash(refused.message, "danger")
        else:
            flash(gettext("Batch #%(batch)s undone: %(count)s records restored.", batch=batch_id, count=done["restored"]),
                  "success")
        return redirect(url_for(f"{type(self).__name__}.list"))

    def _keys(self, service: RegisterService, ids: list[int]) -> list[str]:
        table = service.model.__table__
        return [self._shown_key(str(key)) for key in db.session.scalars(
            sa.select(table.c[self.register.key]).where(table.c.id.in_(ids)).order_by(table.c.id))]

    def _shown_key(self, key: str) -> str:
        """A record's key as this user may see it (an ID number masked for readers without unmask)."""
        spec = self.register
        return str(mask_value(spec.key_field, key)) if current_access().hidden(spec, spec.key_field) else key
