"""Error pages and JSON errors: in the request's language (Chinese by default), never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

#: status -> (title, what to do)
MESSAGES: dict[int, tuple[Any, Any]] = {
    400: (lazy_gettext("Bad request"),
          lazy_gettext("The data sent is incomplete or malformed. Go back, check it and try again.")),
    401: (lazy_gettext("Please sign in"), lazy_gettext("Sign in to see this page.")),
    403: (lazy_gettext("Access denied"),
          lazy_gettext("Your role may not see or change this. Ask the system administrator for access.")),
    404: (lazy_gettext("Page not found"),
          lazy_gettext("The page or record does not exist, or you may not see it. Check the address or use "
                       "the menu.")),
    405: (lazy_gettext("Operation not supported"),
          lazy_gettext("This page does not support that operation; use the buttons on the page.")),
    413: (lazy_gettext("File too large"),
          lazy_gettext("The uploaded file is larger than allowed; split it and upload the parts.")),
    422: (lazy_gettext("Data cannot be processed"), lazy_gettext("The data sent is wrong; correct it as shown.")),
    429: (lazy_gettext("Too many attempts"),
          lazy_gettext("Too many attempts in a short time; wait a minute and try again.")),
    500: (lazy_gettext("Something went wrong"),
          lazy_gettext("The server failed to handle the request and no data was changed. Try again later; if it "
                       "keeps happening, contact the system administrator.")),
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
        return gettext("A value sent is out of the range the system can store (a number or page too large, "
                       "say); check it and try again.")
    return None


def status_and_hint(error: BaseException) -> tuple[int, str]:
    """The status and Chinese hint an exception becomes; a genuine fault is logged with its stack trace."""
    if isinstance(error, RequestRejected):
        return error.status, error.hint
    if isinstance(error, HTTPException) and error.code is not None and error.code >= 400:
        return error.code, too_large_hint() if error.code == 413 else str(MESSAGES.get(error.code, MESSAGES[500])[1])
    hint = client_error_hint(error)
    if hint is not None:
        log.info("refused %s %s: %s", request.method, request.path, error)
        return 400, hint
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return 500, str(MESSAGES[500][1])


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
        if detail.strip():
            return gettext("The query parameter q does not follow the API document (/api/v1/_openapi); check the "
                           "parameter names and values: %(detail)s", detail=detail.strip())
        return gettext("The query parameter q does not follow the API document (/api/v1/_openapi); check the "
                       "parameter names and values.")
    return gettext("%(title)s: the request parameters do not follow the API document (/api/v1/_openapi); check "
                   "them and try again (%(detail)s).", title=MESSAGES[400][0], detail=message)


def too_large_hint() -> str:
    """What the 413 says depends on what was sent: a JSON body or a form has a smaller limit than uploads."""
    if request.is_json:
        limit = current_app.config.get("PORTAL_JSON_MAX_KB", 1024)
        return gettext("The JSON body is over the %(limit)s KB limit; send it in several parts.", limit=limit)
    if request.mimetype == "multipart/form-data":
        return gettext("The uploaded file is over the %(limit)s MB limit; split it into several files and upload "
                       "them one by one.", limit=current_app.config.get("PORTAL_UPLOAD_MAX_MB", 50))
    return gettext("The content sent is too large; send less and try again.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/lookup/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, hint: str | None = None) -> Response:
    """The Chinese error page (or JSON ``{"message"}`` for API callers); ``hint`` replaces the usual advice."""
    title_text, usual = MESSAGES.get(status, MESSAGES[500])
    title = str(title_text)
    if status == 413 and request.is_json:
        title = gettext("Request body too large")
    if not hint:
        hint = too_large_hint() if status == 413 else str(usual)
    if _wants_json():
        response = jsonify(message=gettext("%(title)s: %(hint)s", title=title, hint=hint))
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
