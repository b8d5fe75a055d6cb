"""``Label``: a display text in Simplified Chinese and English (its own module, so the spec modules that
only need it do not import ``portal.registry.spec``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """A display text in Simplified Chinese and English."""

    zh: str
    en: str

    def get(self, locale: str | None) -> str:
        return self.en if (locale or "zh").startswith("en") else self.zh
