"""Build hook: a wheel carries the shipped defaults (``schemas/``, ``permissions/``, ``migrations/``) as package data
under ``portal/defaults/``, where ``portal.site`` finds them when no repository checkout is at hand.

The metadata lives in pyproject.toml; the folders stay at the repository root, where the checkout (the default
site) and every other branch keep them.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("schemas", "permissions", "migrations")  # the same list as portal.site.SHIPPED


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, which has the folders
            return
        target = Path(self.build_lib) / "portal" / "defaults"
        for name in SHIPPED:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.lock"))


setup(cmdclass={"build_py": BuildWithDefaults})
