"""Where a union's own files live: the site directory, apart from the code.

A site holds ``schemas/`` (with ``reports/`` and ``print/``), ``permissions/roles.yaml``, ``migrations/`` (its
own linear Alembic chain, started from the shipped one by ``portal init``) and ``instance/`` (the SQLite
database, job files, the admin password). It is chosen by ``portal --site SITE`` or ``PORTAL_SITE``; without
one the repository checkout is the site, and an installed package reads its shipped defaults from
``portal/defaults/`` (copied there when the wheel is built). This module is the one place that knows the
layout: ``config.build_config`` asks it for every path, and ``portal init`` copies through it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

#: The environment variable (and config key) naming the site directory.
SITE_VARIABLE = "PORTAL_SITE"
#: The folders a site owns that the code ships defaults for; ``portal init`` copies them.
SHIPPED = ("schemas", "permissions", "migrations")
#: The repository checkout the code runs from (when it does), and the defaults an installed wheel carries.
CHECKOUT = Path(__file__).resolve().parent.parent
PACKAGED = Path(__file__).resolve().parent / "defaults"
#: Files never copied into a site: caches and the role editor's lock.
_NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.lock")


class SiteError(Exception):
    """A site directory that cannot be used or made; the message says what to do (Chinese)."""


@dataclass(frozen=True)
class SitePaths:
    """Every path the portal reads or writes that belongs to a union rather than to the code."""

    root: Path
    schemas: Path
    roles: Path
    migrations: Path
    instance: Path

    @classmethod
    def of(cls, root: Path, instance: Path | None = None) -> SitePaths:
        return cls(root=root, schemas=root / "schemas", roles=root / "permissions" / "roles.yaml",
                   migrations=root / "migrations", instance=instance or root / "instance")


def _is_defaults(root: Path) -> bool:
    return (root / "schemas").is_dir() and (root / "permissions" / "roles.yaml").is_file() \
        and (root / "migrations" / "env.py").is_file()


def shipped_root() -> Path:
    """The shipped defaults: the repository checkout when the code runs from one, else the package's copy."""
    if _is_defaults(CHECKOUT):
        return CHECKOUT
    if _is_defaults(PACKAGED):
        return PACKAGED
    raise SiteError(f"找不到随程序提供的默认模式：{CHECKOUT} 不是代码仓库，{PACKAGED} 也不存在。"
                    "请从代码仓库运行，或重新安装程序包。")


def chosen_site(overrides: Mapping[str, Any] | None = None) -> Path | None:
    """The site directory asked for (config mapping first, then ``PORTAL_SITE``), or None."""
    value = (overrides or {}).get(SITE_VARIABLE) or os.environ.get(SITE_VARIABLE)
    return Path(value).expanduser().absolute() if value else None


def site_paths(overrides: Mapping[str, Any] | None = None) -> SitePaths:
    """The paths of the chosen site, or of the repository (the default site) when none is chosen.

    Raises ``SiteError`` when the chosen directory is not a site. An installed package without a site reads
    the packaged defaults and keeps its instance data where Flask keeps an installed package's.
    """
    site = chosen_site(overrides)
    if site is not None:
        missing = [name for name in ("schemas", "permissions/roles.yaml", "migrations/env.py")
                   if not (site / name).exists()]
        if missing:
            raise SiteError(f"站点目录 {site} 缺少 {'、'.join(missing)}。"
                            f"新站点请先运行 portal init {site}；已有站点请检查路径是否正确。")
        return SitePaths.of(site)
    root = shipped_root()
    if root == CHECKOUT:
        return SitePaths.of(root)
    return SitePaths.of(root, instance=Path(sys.prefix) / "var" / "portal-instance")


def init_site(target: Path) -> SitePaths:
    """Make a new site at ``target`` from the shipped defaults; refuse an existing non-empty directory."""
    target = target.expanduser().absolute()
    if target.exists() and not target.is_dir():
        raise SiteError(f"{target} 是一个文件，不能作为站点目录；请换一个目录名。")
    if target.is_dir() and any(target.iterdir()):
        raise SiteError(f"站点目录 {target} 已存在且不为空，未做任何修改。请指定一个新的或空的目录。")
    source = shipped_root()
    target.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED:
        shutil.copytree(source / name, target / name, ignore=_NOT_COPIED)
    (target / "migrations" / "versions").mkdir(exist_ok=True)
    (target / "instance").mkdir()
    return SitePaths.of(target)
