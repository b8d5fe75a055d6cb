"""portal.cli_site: ``portal --site SITE`` reaches the settings a command reads before it builds its app."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from portal.cli_site import site_config


def test_the_site_named_before_the_command_is_the_sites_setting(tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []

    @click.group()
    @click.option("--site", default=None)
    def group(site: str | None) -> None:
        pass

    @group.command()
    def show() -> None:
        seen.append(site_config())

    assert CliRunner().invoke(group, ["--site", str(tmp_path), "show"]).exit_code == 0
    assert CliRunner().invoke(group, ["show"]).exit_code == 0
    assert seen == [{"PORTAL_SITE": str(tmp_path)}, {}]
    assert site_config() == {}  # outside any command
