"""The site the ``portal`` command was told to use (``portal --site SITE``), for the commands that read settings
before (or without) building the app."""

from __future__ import annotations

import click

from portal.site import SITE_VARIABLE


def site_config() -> dict[str, str]:
    """``{"PORTAL_SITE": …}`` when ``portal --site SITE`` was given (it wins over the environment), else empty."""
    context = click.get_current_context(silent=True)
    site = context.find_root().params.get("site") if context else None
    return {SITE_VARIABLE: str(site)} if site else {}
