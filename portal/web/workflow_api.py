"""``POST /api/v1/<slug>/<pk>/transition/<name>``: a workflow transition through the REST API.

The body is ``{"reason": "...", "fields": {field: value}}`` (both optional). Answers: 200 with the
record (``done``: false when the press only recorded one agreement of an N-of-M approval, with
``approvals`` saying who agreed and who is pending); 403 without the right, for the submitter where
self-approval is off, or for someone not on the frozen approver list; 404 outside the row
scope or for an unknown transition; 409 when the record is no longer in a state the transition
leaves (another user was first); 422 with ``{"message": ..., "errors": {field: [...]}}`` for a
missing reason or field, or an unmet condition. All messages are Chinese.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect

from portal.records.workflow import TransitionRefused, approval_states, transition


class WorkflowApiMixin:
    """The transition endpoint of a register with a ``workflow:``."""

    @expose("/<int:pk>/transition/<name>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def transition(self, pk: int, name: str) -> Any:
        """Press a workflow transition on one record.
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          - in: path
            schema:
              type: string
            name: name
            description: 流转名称（登记簿 YAML 中 workflow.transitions 的 name）
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason:
                      type: string
                      description: 理由（reason_required 的流转必填，最多 500 字）
                    fields:
                      type: object
                      description: 随流转填写的字段（流转的 required 和 fields 中列出的），值的写法同 PUT
          responses:
            200:
              description: 已执行
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      state:
                        type: string
                      done:
                        type: boolean
                        description: 流转已执行；多人审批时 false 表示只记录了您的同意，还要等其他审批人
                      approvals:
                        type: array
                        description: 多人审批的进度（当前状态出发的审批流转）：需要人数、已同意、待同意
                        items:
                          type: object
                      result:
                        $ref: '#/components/schemas/{{self.__class__.__name__}}.get'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 记录已不在该流转的出发状态（已被他人处理），或您已经审批过
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            422:
              description: 缺少理由或字段，或不满足条件
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      errors:
                        type: object
        """
        body = request.get_json(silent=True) if request.data else {}
        if not isinstance(body, dict) or not isinstance(body.get("fields", {}), dict) \
                or not isinstance(body.get("reason", ""), (str, type(None))):
            return self.response_400(  # type: ignore[attr-defined]
                message=gettext('The request body must be a JSON object: {"reason": "why", "fields": {field: value}}'))
        item = self.datamodel.get(pk, self._base_filters)  # type: ignore[attr-defined]
        if not item:
            return self.response_404()  # type: ignore[attr-defined]
        service = self.service_getter()  # type: ignore[attr-defined]
        try:
            record = transition(service, item, name, body.get("reason"), body.get("fields") or {})
            service.session.commit()
        except TransitionRefused as refused:
            service.session.rollback()
            payload: dict[str, Any] = {"message": refused.message}
            if refused.errors:
                payload["errors"] = refused.errors
            return self.response(refused.status, **payload)  # type: ignore[attr-defined]
        spec = self.register  # type: ignore[attr-defined]
        state = getattr(record, spec.workflow.field)
        progress = [{"transition": item.transition.name, "required": item.required, "text": item.text(),
                     "agreed": [person.username for person in item.agreed],
                     "pending": [person.username for person in item.pending]}
                    for item in approval_states(service, record)]
        return self.response(200, id=record.id, state=state,  # type: ignore[attr-defined]
                             done=state == spec.workflow.transition(name).target, approvals=progress,
                             result=self.show_model_schema.dump(record))  # type: ignore[attr-defined]
