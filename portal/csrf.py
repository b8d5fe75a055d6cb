"""Cross-site request forgery: every state change is a POST carrying the session's token.

- ``CSRFProtect`` checks the token of every POST, PUT, PATCH and DELETE, except on the JSON API
  (``/api/v1/``), whose writes accept only a JSON body, which a page on another site cannot send
  without a CORS preflight (and the portal answers no preflight).
- FAB registers its ``delete`` and ``action`` routes for GET too; GET on them is answered 405, so a
  link or an ``<img>`` on another site cannot delete anything. The language switch is a POST too.
- A missing, stale or foreign token gets a Chinese 400 page (JSON under ``/api/``).

For a new state-changing route: ``@expose("/...", methods=["POST"])`` and ``{{ csrf_field() }}``
inside the ``<form method="post">``; nothing else is needed. Add ``data-confirm="问题？"`` to the form
to have the browser ask first (``portal.js``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask_appbuilder import AppBuilder
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup

from portal.errors import error_response
from portal.extensions import csrf

#: FAB view methods that change data but are also routed for GET; GET on them is refused.
POST_ONLY_VIEW_METHODS = frozenset({"delete", "action"})
#: Endpoints refused on GET because a POST twin replaces them: FAB's language link (the session's
#: language is switched by ``portal.views.LocaleSwitchView``, a navbar form).
POST_ONLY_ENDPOINTS = frozenset({"LocaleView.index"})
#: Why a POST was refused when its token was missing or did not match.
TOKEN_REFUSED = lazy_gettext("Nothing was done: the page has no valid security token (it may have expired, or the"
                             " request came from another site). Reload the page and try again.")


def csrf_field() -> Markup:
    """The hidden ``csrf_token`` input every POST form carries."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def refuse_unsafe_get() -> None:
    """Answer GET and HEAD on a state-changing FAB route with 405 (before FAB runs it)."""
    if request.method not in ("GET", "HEAD") or not request.endpoint:
        return
    if request.endpoint in POST_ONLY_ENDPOINTS or request.endpoint.rsplit(".", 1)[-1] in POST_ONLY_VIEW_METHODS:
        abort(405, valid_methods=["POST"])


def install(app: Flask, appbuilder: AppBuilder) -> None:
    """Switch CSRF protection on, once every view and API is added (the JSON APIs are exempted)."""
    csrf.init_app(app)
    for view in appbuilder.baseviews:
        if isinstance(view, BaseApi) and view.csrf_exempt:
            csrf.exempt(view.blueprint)
    app.before_request(refuse_unsafe_get)
    app.jinja_env.globals["csrf_field"] = csrf_field

    @app.errorhandler(CSRFError)
    def _refused(error: CSRFError) -> Any:
        return error_response(400, hint=str(TOKEN_REFUSED))
