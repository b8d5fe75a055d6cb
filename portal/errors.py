"""Error pages and JSON errors: always Chinese, never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import DataError
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


class RequestRejected(Exception):
    """A request refused for its shape (size, encoding, syntax): an http status and a Chinese sentence."""

    def __init__(self, status: int, hint: str) -> None:
        super().__init__(hint)
        self.status = status
        self.hint = hint


#: Exceptions that only bad input reaches (a number too big for the database, say): 400, not 500.
CLIENT_ERRORS: tuple[type[BaseException], ...] = (OverflowError, DataError)


def client_error_hint(error: BaseException) -> str | None:
    """The Chinese 400 hint for an exception caused by the request's values, ``None`` for a real fault."""
    if isinstance(error, CLIENT_ERRORS):
        return "提交的数值超出了系统能保存的范围（例如编号或页码过大），请检查后重试。"
    return None


def status_and_hint(error: BaseException) -> tuple[int, str]:
    """The status and Chinese hint an exception becomes; a genuine fault is logged with its stack trace."""
    if isinstance(error, RequestRejected):
        return error.status, error.hint
    if isinstance(error, HTTPException) and error.code is not None and error.code >= 400:
        return error.code, too_large_hint() if error.code == 413 else MESSAGES.get(error.code, MESSAGES[500])[1]
    hint = client_error_hint(error)
    if hint is not None:
        log.info("refused %s %s: %s", request.method, request.path, error)
        return 400, hint
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return 500, MESSAGES[500][1]


_CJK = re.compile(r"[\u4e00-\u9fff]")


def api_bad_request_message(message: Any) -> Any:
    """A 400 message for the API in Chinese: Flask-AppBuilder's English ones (rison, JSON) are translated."""
    if not isinstance(message, str):
        return message
    message = message.removeprefix("400 Bad Request: ")
    if _CJK.search(message):
        return message
    if message.startswith("Not a valid rison"):
        detail = message.removeprefix("Not a valid rison schema").removeprefix("Not a valid rison/json argument")
        return "查询参数 q 不符合接口文档（/api/v1/_openapi），请检查参数名和取值" + (f"：{detail.strip()}" if detail.strip() else "。")
    return f"{MESSAGES[400][0]}：请求参数不符合接口文档（/api/v1/_openapi），请检查后重试（{message}）。"


def too_large_hint() -> str:
    """What the 413 says depends on what was sent: a JSON body or a form has a smaller limit than uploads."""
    if request.is_json:
        limit = current_app.config.get("PORTAL_JSON_MAX_KB", 1024)
        return f"JSON 请求体超过了 {limit} KB 的上限，请分成几次提交。"
    if request.mimetype == "multipart/form-data":
        return f"上传的文件超过了 {current_app.config.get('PORTAL_UPLOAD_MAX_MB', 50)} MB 的上限，请拆分成几个文件后分别上传。"
    return "提交的内容太大，请减少后重试。"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/lookup/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, hint: str | None = None) -> Response:
    """The Chinese error page (or JSON ``{"message"}`` for API callers); ``hint`` replaces the usual advice."""
    title, usual = MESSAGES.get(status, MESSAGES[500])
    if status == 413 and request.is_json:
        title = "请求体太大"
    if not hint:
        hint = too_large_hint() if status == 413 else usual
    if _wants_json():
        response = jsonify(message=f"{title}：{hint}")
    else:
        appbuilder = current_app.extensions["appbuilder"]
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

    @app.errorhandler(RequestRejected)
    def _rejected(error: RequestRejected) -> Any:
        return error_response(error.status, error.hint)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        return error_response(*status_and_hint(error))
