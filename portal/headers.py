"""Security headers on every response: content policy, no framing, no sniffing, same-origin referrers.

Scripts run only from the portal's own static files, or inline when they carry the request's nonce
(FAB's templates ask for it through ``csp_nonce()``); inline event handlers (``onclick=``) and
``javascript:`` links are blocked, so templates bind events in ``portal/static/*.js`` instead.
Styles allow inline ``style=`` attributes: FAB's widgets and the vendored select2 and datepicker set
them, and a style cannot run script.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

#: The policy; ``{nonce}`` is filled in per request.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'nonce-{nonce}'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Sent when ``PORTAL_HTTPS`` is on: browsers keep to HTTPS for a year.
STRICT_TRANSPORT = "max-age=31536000"


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    if "portal_csp_nonce" not in g:
        g.portal_csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.portal_csp_nonce
    return nonce


def install(app: Flask) -> None:
    """Give templates ``csp_nonce()`` and add the headers to every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    https = app.config["PORTAL_HTTPS"]

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce()))
        for name, value in FIXED_HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT)
        return response
