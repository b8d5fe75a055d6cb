"""Requests refused before they reach a view: oversized or malformed JSON, NUL in the address, bad rison.

Runs as a ``before_request`` hook for screens and API alike, so a hostile request gets a
400/413 in the reader's language (``portal.errors.RequestRejected``) instead of a stack trace deep inside
Flask-AppBuilder.
Field *values* are checked by the field parsers; this module only guards the request's shape.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import prison
from flask import Flask, current_app, request
from flask_babel import gettext

from portal.web.bounds import check_page
from portal.errors import RequestRejected

#: Methods whose JSON body is read and checked here.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: What prison raises on malformed rison besides its own ParserException (found by fuzzing it).
_RISON_FAILURES = (prison.decoder.ParserException, ValueError, IndexError, KeyError, TypeError, RecursionError)


def json_limit_bytes() -> int:
    """The largest JSON body accepted (``PORTAL_JSON_MAX_KB``); uploads have their own, larger limit."""
    return int(current_app.config["PORTAL_JSON_MAX_KB"]) * 1024


def check_request() -> None:
    """Refuse a malformed request with a Chinese 400 or 413 before any view runs."""
    _check_address()
    if not request.path.startswith("/api/"):
        _check_page_args()
    if request.method in BODY_METHODS and request.is_json:
        request.max_content_length = json_limit_bytes()
        _check_json_body()
    if request.path.startswith("/api/") and request.args.get("q"):
        _check_rison(request.args["q"])


def _check_address() -> None:
    """A NUL character cannot be stored or searched for (PostgreSQL refuses it): not in paths or queries."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        raise RequestRejected(400, gettext("The address or a query argument contains a NUL character (\\0); remove it"
                                           " and try again."))


#: Flask-AppBuilder list screens read every argument named like these with ``int()``.
_PAGE_ARG = re.compile(r"page_|psize_")


def _check_page_args() -> None:
    largest = int(current_app.config["FAB_API_MAX_PAGE_SIZE"])
    for name, value in request.args.items(multi=True):
        if not _PAGE_ARG.search(name):
            continue
        if not re.fullmatch(r"\s*[+-]?\d{1,30}\s*", value):
            raise RequestRejected(400, gettext("The paging argument %(name)s should be a whole number (it is"
                                               " “%(value)s”); use the paging buttons of the list page.",
                                               name=name, value=value[:50]))
        if name.startswith("psize_") and not 1 <= int(value) <= largest:
            # One page of every row in scope would tie up a worker: the screens share the API's cap.
            raise RequestRejected(400, gettext("Rows per page should be from 1 to %(largest)s (it is %(value)s); choose"
                                               " it with “Rows per page” on the list page.",
                                               largest=format(largest, ","), value=value.strip()[:30]))


def _check_json_body() -> None:
    data = request.get_data(cache=True)  # raises RequestEntityTooLarge (413) past the JSON limit
    if not data:
        if request.method == "DELETE":
            return  # clients often label a bodiless DELETE as JSON
        raise RequestRejected(400, gettext("The request body is empty: it should be a JSON object."))
    try:
        body = json.loads(data)
    except RecursionError:
        raise RequestRejected(400, gettext("The request body's JSON is nested too deeply; send a flat JSON"
                                           " object.")) from None
    except ValueError as error:  # includes UnicodeDecodeError and numbers with too many digits
        raise RequestRejected(400, gettext("The request body is not valid JSON (%(error)s); check its format.",
                                           error=error)) from None
    if not _encodable(body):
        raise RequestRejected(400, gettext("The request body contains invalid Unicode characters (unpaired"
                                           " surrogates \\ud800-\\udfff); remove them and try again."))


def _encodable(value: Any) -> bool:
    """Every string (keys included) can be written as UTF-8: no unpaired surrogates."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _check_rison(value: str) -> None:
    """The ``q`` argument parses the way Flask-AppBuilder will parse it: rison, else JSON."""
    try:
        arguments = prison.loads(value)
    except prison.decoder.ParserException:
        arguments = _json_q(value)
    except _RISON_FAILURES:
        raise _bad_rison() from None
    if isinstance(arguments, dict):
        page, page_size = arguments.get("page"), arguments.get("page_size")
        if isinstance(page, int) and isinstance(page_size, (int, type(None))):
            check_page(page, page_size)  # refused here, before FAB logs it as a fault


def _json_q(value: str) -> Any:
    if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
        raise _bad_rison()
    try:
        return json.loads(urllib.parse.parse_qs(f"q={value}").get("q", [""])[0])
    except (ValueError, RecursionError):
        raise _bad_rison() from None


def _bad_rison() -> RequestRejected:
    return RequestRejected(400, gettext("The query argument q is not well formed: it should be rison, e.g."
                                        " q=(page:0,page_size:25), or a URL-encoded JSON object."))


def install(app: Flask) -> None:
    app.before_request(check_request)
