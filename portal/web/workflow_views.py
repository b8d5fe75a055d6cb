"""The screens of a register's workflow: the buttons and timeline of a record's page, the transition
itself (a POST form with the CSRF token) and the register's 流程 page with the diagram.

The buttons are exactly the transitions this user may press on this row now (``offers``); a
transition the user holds the right to but cannot press yet is shown greyed with the reason. Pressing
one goes through the workflow engine (``portal.records.workflow``), like the API and the CLI.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name

from portal.records.bulk_transition import bulk_transition
from portal.records.workflow import (TransitionRefused, approval_states, history, offers, outcome, permitted,
                                     settings_of, transition)
from portal.registry.workflow_spec import Transition
from portal.security.current import current_access
from portal.state import current_locale
from portal.web.list_args import ListArgsRefused
from portal.web.workflow_diagram import workflow_svg


class WorkflowViewMixin:
    """For registers with a ``workflow:``: buttons, timeline, ``/transition/<pk>/<name>`` and ``/workflow``."""

    workflow_template = "portal/workflow.html"

    def _get_show_widget(self, pk: Any, item: Any, **kwargs: Any) -> Any:
        widgets = super()._get_show_widget(pk, item, **kwargs)  # type: ignore[misc]
        service = self.service_getter()  # type: ignore[attr-defined]
        spec = self.register  # type: ignore[attr-defined]
        name = type(self).__name__
        widgets["show"].template_args["workflow_offers"] = [
            {"name": offer.transition.name, "label": offer.transition.label.get(current_locale()),
             "blocked": offer.blocked, "reason_required": offer.transition.reason_required,
             "fields": [spec.field(field) for field in offer.transition.asked],
             "path": url_for(f"{name}.transition", pk=pk, name=offer.transition.name)}
            for offer in offers(service, item)]
        state = spec.workflow.state(getattr(item, spec.workflow.field))
        widgets["portal_workflow"] = {
            "state": state.label.get(current_locale()) if state else getattr(item, spec.workflow.field),
            "history": history(service, item),
            "approvals": approval_states(service, item),
            "diagram_path": url_for(f"{name}.workflow"),
        }
        return widgets

    @expose("/transition/<pk>/<name>", methods=["POST"])
    @has_access
    @permission_name("show")
    def transition(self, pk: Any, name: str) -> Any:
        """Press a transition; back to the record's page with a message either way."""
        item = self.datamodel.get(pk)  # type: ignore[attr-defined]  # row scope: outside it, None
        if item is None:
            abort(404)
        spec = self.register  # type: ignore[attr-defined]
        wanted = spec.workflow.transition(name)
        if wanted is None:
            abort(404)
        values = {field: request.form[field] for field in wanted.asked if request.form.get(field, "").strip()}
        service = self.service_getter()  # type: ignore[attr-defined]
        try:
            record = transition(service, item, name, request.form.get("reason"), values)
            message = outcome(service, name, record)
            service.session.commit()
        except TransitionRefused as refused:
            service.session.rollback()
            flash(refused.message, "danger")
        else:
            flash(message, "success")
        return redirect(url_for(f"{type(self).__name__}.show", pk=pk))

    def bulk_transitions(self) -> list[Transition]:
        """The transitions this user holds the right to (for the list's bulk bar)."""
        spec = self.register  # type: ignore[attr-defined]
        access = current_access()
        return [item for item in spec.workflow.transitions if permitted(access, spec, item)]

    @expose("/bulk/transition", methods=["POST"])
    @has_access
    @permission_name("show")
    def bulk_transition(self) -> Any:
        """Press one transition on the ticked rows (or the whole filtered selection): confirm, then a
        result per row. Rows the transition does not fit are listed with the reason, the rest move."""
        spec = self.register  # type: ignore[attr-defined]
        back = url_for(f"{type(self).__name__}.list")
        wanted = spec.workflow.transition(request.form.get("transition", ""))
        if wanted is None or wanted not in self.bulk_transitions():
            flash(gettext("Choose a transition you may carry out."), "warning")
            return redirect(back)
        service = self.service_getter()  # type: ignore[attr-defined]
        try:
            ids = self._chosen_ids(service)  # type: ignore[attr-defined]
        except ListArgsRefused as refused:
            flash(refused.message, "danger")
            return redirect(back)
        if not ids:
            flash(gettext("First tick the records to handle (or choose “All records of the current filter”)."), "warning")
            return redirect(back)
        reason = request.form.get("reason", "").strip()
        locale = current_locale()
        change = gettext("“%(transition)s” (→%(state)s)", transition=wanted.label.get(locale), state=wanted.target)
        args = {"spec": spec, "title": gettext("Bulk transition: %(register)s", register=spec.label.get(locale)),
                "change": change, "count": len(ids),
                "transition": wanted, "reason": reason}
        if request.form.get("confirm") != "1":
            return self.render_template("portal/bulk_transition.html", step="confirm", ids=ids,  # type: ignore[attr-defined]
                                        keys=self._keys(service, ids[:20]), **args)  # type: ignore[attr-defined]
        try:
            result = bulk_transition(service, ids, wanted.name, reason)
            service.session.commit()
        except TransitionRefused as refused:
            service.session.rollback()
            flash(refused.message, "danger")
            return redirect(back)
        for row in result.rows:
            row.key = self._shown_key(row.key)  # type: ignore[attr-defined]
        return self.render_template("portal/bulk_transition.html", step="result", result=result,  # type: ignore[attr-defined]
                                    **args)

    @expose("/workflow")
    @has_access
    @permission_name("list")
    def workflow(self) -> Any:
        """The register's 流程 page: the diagram, the states and the transitions with their rules."""
        spec = self.register  # type: ignore[attr-defined]
        flow = spec.workflow
        return self.render_template(  # type: ignore[attr-defined]
            self.workflow_template, spec=spec, flow=flow, diagram=workflow_svg(flow, current_locale()),
            settings=settings_of(flow),
            title=gettext("%(register)s workflow", register=spec.label.get(current_locale())),
            list_path=url_for(f"{type(self).__name__}.list"))
