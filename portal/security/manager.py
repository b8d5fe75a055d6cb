"""The portal's security manager: FAB's, with Chinese account messages."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class PortalSecurityManager(SecurityManager):
    """Database accounts with hashed passwords (FAB's werkzeug hashing); roles come from FAB's tables."""
