"""The add, edit and delete screens save through the register service, not through Flask-AppBuilder.

FAB validates the form's widgets (each field parses what the clerk typed) and renders the page;
the service checks the record as a whole (links, uniqueness, scope, org links, tree cycles, rights)
exactly as it does for the API and the import, and writes it with its audit entry. Its messages go
under the fields they concern; a problem of the whole record is shown above the form.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import abort, flash, request
from flask_babel import lazy_gettext
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy.exc import IntegrityError

from portal.records.service import RecordErrors, RecordForbidden, RegisterService

#: Said when the database itself refuses a write the checks let through (two clerks saving the same key at once).
CONFLICT = lazy_gettext("Not saved: the data conflicts with another record (someone may have saved the same number"
                        " at the same time); check the unique fields and try again.")


class ServiceSavingMixin:
    """``_add``/``_edit``/``_delete`` of a generated register view, through ``service_getter``."""

    service_getter: Callable[[], RegisterService]
    datamodel: Any
    _filters: Any
    _base_filters: Any

    def _form_values(self, form: Any) -> dict[str, Any]:
        spec = self.service_getter().spec
        return {field.name: form[field.name].data for field in spec.editable_fields if field.name in form}

    def _save(self, form: Any, instance: Any = None) -> Any:
        """Save the form's values; ``None`` (and the form's fields carry the messages) when refused."""
        service = self.service_getter()
        try:
            item = service.save(self._form_values(form), instance)
            service.session.commit()
        except RecordErrors as refused:
            service.session.rollback()
            for name, messages in refused.errors.items():
                if name in form:
                    form[name].errors = [*form[name].errors, *messages]
                else:
                    for message in messages:
                        flash(message, "danger")
            return None
        except RecordForbidden as refused:
            service.session.rollback()
            flash(str(refused), "danger")
            return None
        except IntegrityError:
            service.session.rollback()
            flash(str(CONFLICT), "danger")
            return None
        return item

    def _add(self) -> Any:
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()  # type: ignore[attr-defined]
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)  # type: ignore[attr-defined]
            if form.validate():
                item = self._save(form)
                if item is not None:
                    self.post_add(item)  # type: ignore[attr-defined]
                    flash(as_unicode(self.add_row_message), "success")  # type: ignore[attr-defined]
                    return None
        else:
            self.update_redirect()  # type: ignore[attr-defined]
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)  # type: ignore[attr-defined]

    def _edit(self, pk: Any) -> Any:
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)  # type: ignore[attr-defined]
            self._fill_form_exclude_cols(exclude_cols, form)  # type: ignore[attr-defined]
            form._id = pk
            if form.validate() and self._save(form, item) is not None:
                flash(as_unicode(self.edit_row_message), "success")  # type: ignore[attr-defined]
                return None
        else:
            form = self.edit_form.refresh(obj=item)  # type: ignore[attr-defined]
            self.prefill_form(form, pk)  # type: ignore[attr-defined]
            self.update_redirect()  # type: ignore[attr-defined]
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)  # type: ignore[attr-defined]

    def _delete(self, pk: Any) -> None:
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        service = self.service_getter()
        try:
            service.delete(item)
            service.session.commit()
        except RecordErrors as refused:
            service.session.rollback()
            for messages in refused.errors.values():
                for message in messages:
                    flash(message, "danger")
        else:
            flash(as_unicode(self.delete_row_message), "success")  # type: ignore[attr-defined]
        self.update_redirect()  # type: ignore[attr-defined]
