"""Error pages and JSON errors: always Chinese, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

#: status -> (title, what to do)
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("请求有误", "提交的数据不完整或格式不对，请返回上一页检查后重试。"),
    401: ("请先登录", "请登录后再访问此页面。"),
    403: ("没有权限", "您的角色无权查看或操作此内容。如需权限，请联系系统管理员。"),
    404: ("找不到页面", "您要找的页面或记录不存在，或您无权查看。请检查地址，或从菜单重新进入。"),
    405: ("不支持的操作", "此页面不支持这种操作，请从页面上的按钮进入。"),
    413: ("文件太大", "上传的文件超过了允许的大小，请拆分后再上传。"),
    422: ("数据无法处理", "提交的数据有误，请按提示修改。"),
    429: ("操作过于频繁", "短时间内尝试次数过多，请稍等一分钟后再试。"),
    500: ("系统出错了", "服务器处理请求时出错，数据没有被修改。请稍后重试；如果问题持续，请联系系统管理员。"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/lookup/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, hint: str | None = None) -> Response:
    """The Chinese error page (or JSON) for ``status``; ``hint`` replaces the status's usual advice."""
    title, usual = MESSAGES.get(status, MESSAGES[500])
    hint = hint or usual
    if status == 413 and hint == usual:
        hint = f"上传的文件超过了 {current_app.config.get('PORTAL_UPLOAD_MAX_MB', 50)} MB 的上限，请拆分成几个文件后分别上传。"
    if _wants_json():
        response = jsonify(message=f"{title}：{hint}")
    else:
        appbuilder = current_app.appbuilder
        response = Response(render_template("portal/error.html", status=status, title=title, hint=hint,
                                             base_template=appbuilder.base_template, appbuilder=appbuilder))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return error_response(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
