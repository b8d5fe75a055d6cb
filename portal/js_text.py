"""Texts the static scripts show, rendered into each page as JSON in the request's language.

The scripts under ``portal/static`` hold no display text: ``portal/base.html`` (and the congress pages)
write :func:`js_texts` into ``<script type="application/json" id="portal-text">`` and the scripts read
it with ``portalText(key)``.  The msgids are English, the Chinese lives in the zh catalogue.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from portal.state import current_locale

#: key -> English msgid (translated per request by :func:`js_texts`).
JS_TEXT = {
    "searching": lazy_gettext("Searching…"),
    "no_results": lazy_gettext("No matching records"),
    "error_loading": lazy_gettext("Could not load the results"),
    "field_errors_one": lazy_gettext("1 field needs attention:"),
    "field_errors_many": lazy_gettext("%(count)s fields need attention:"),
    "select_page": lazy_gettext("Select all rows on this page"),
    "select_row": lazy_gettext("Select this row"),
    "chart_empty": lazy_gettext("No data yet"),
    "chart_broken": lazy_gettext("The chart data is invalid and cannot be shown."),
    "job_queued": lazy_gettext("Waiting in the queue…"),
    "job_start": lazy_gettext("Starting…"),
    "job_read": lazy_gettext("Reading the file…"),
    "job_validate": lazy_gettext("Checking the data…"),
    "job_check": lazy_gettext("Checking existing records and links…"),
    "job_write": lazy_gettext("Writing to the database…"),
    "job_end": lazy_gettext("Almost done…"),
    "job_rows": lazy_gettext("Exporting…"),
    "job_forms": lazy_gettext("Typesetting…"),
    "job_working": lazy_gettext("Working…"),
    "job_unit_rows": lazy_gettext("rows"),
    "job_unit_forms": lazy_gettext("forms"),
    "job_eta": lazy_gettext("About %(seconds)s s left in this step. You may leave this page and come back for the result."),
    "vote_too_many": lazy_gettext("%(marked)s marked, more than the %(seats)s to elect: the ballot would be void, "
                                  "please unmark some."),
    "vote_marked": lazy_gettext("%(marked)s marked (at most %(seats)s)."),
    "hall_votes": lazy_gettext("%(count)s votes"),
    "hall_turnout": lazy_gettext("Voted: %(count)s"),
    "hall_motion_note": lazy_gettext("%(delegates)s expected; a motion needs at least %(threshold)s yes votes "
                                     "(the line); %(returned)s ballots returned"),
    "hall_elected": lazy_gettext("Elected: %(names)s; election needs at least %(threshold)s votes (the line); "
                                 "%(returned)s ballots returned"),
    "hall_nobody": lazy_gettext("nobody"),
    "hall_item_title": lazy_gettext("%(title)s: "),
    "hall_offline": lazy_gettext("Connection lost, retrying…"),
    "list_separator": lazy_gettext(", "),
}


def js_texts() -> dict[str, str]:
    """The catalogue in the request's language (``%(name)s`` placeholders left for the script)."""
    return {key: str(text) for key, text in JS_TEXT.items()}


#: locale -> the page's JSON of :func:`js_texts` (the catalogue does not change while the portal runs).
_RENDERED: dict[str, Markup] = {}


def js_texts_json() -> Markup:
    """:func:`js_texts` as HTML-safe JSON for the page, translated once per language per process."""
    locale = current_locale()
    rendered = _RENDERED.get(locale)
    if rendered is None:
        rendered = _RENDERED[locale] = htmlsafe_json_dumps(js_texts())
    return rendered
