"""Reading the project's YAML files (schemas, reports, roles) safely, with libyaml's parser when PyYAML has it."""

from __future__ import annotations

from typing import Any

import yaml

#: ``yaml.safe_load``'s loader in C where available: the same documents, several times faster.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``; raises ``yaml.YAMLError`` (with the position) on a malformed document."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
