"""Permission names for Flask-AppBuilder, derived from the register specs and the roles.

One slug names the screen's permission (``members``), the API's (``members_api``) and the menu
entry (``menu_members``). A verb maps to the FAB permissions of both channels; the roles sync
writes exactly the pairs ``role_permissions`` returns. Pure: no Flask, no database.
"""

from __future__ import annotations

from typing import Iterable

from portal.registry.spec import RegisterSpec, Registry
from portal.security.roles import PAGES, RoleSpec

Permission = tuple[str, str]  # (permission name, view or menu name)

DEFAULT_CATEGORY = "登记簿"  # i18n: data (FAB's menu permission name, stored in its tables)
LOOKUP_VIEW = "lookup"
AUDIT_VIEW = "audit"
MATRIX_VIEW = "role_matrix"
SYSTEM_CATEGORY = "系统管理"  # i18n: data (FAB's menu permission name; the menu shows lazy_gettext("System"))
#: The congress screens (``portal.congress.views``): one view, one FAB permission per page.
CONGRESS_VIEW = "congress"
CONGRESS_MENU = "menu_congress"
#: The dues register's screen: generating a month's rows is a permission on it (``portal.web.dues_views``).
DUES_VIEW = "dues"
#: The motions pages (delegate's phone page, session report): FAB view ``motion_desk``.
MOTIONS_VIEW = "motion_desk"
#: The menu group the motions registers declare (schemas/motions.yaml ``menu.group.zh``).
MOTIONS_CATEGORY = "职代会"  # i18n: data (FAB's menu permission name, stored in its tables)

#: verb -> FAB permissions on the screen (``<slug>``) and on the API (``<slug>_api``).
VERB_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "read": (("can_list", "can_show", "can_download"), ("can_get", "can_info")),
    "create": (("can_add",), ("can_post",)),
    "edit": (("can_edit",), ("can_put",)),
    "delete": (("can_delete",), ("can_delete",)),
    "import": (("can_import",), ("can_import",)),
    "export": (("can_export",), ("can_export",)),
    "approve": (("can_approve",), ("can_approve",)),
}

#: Every signed-in user may look at and change their own account.
OWN_ACCOUNT: tuple[Permission, ...] = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
)

PAGE_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "audit": (("can_list", AUDIT_VIEW), ("can_show", AUDIT_VIEW), ("menu_access", "menu_audit"),
              ("menu_access", SYSTEM_CATEGORY)),
    "role_matrix": (("can_matrix", MATRIX_VIEW), ("menu_access", "menu_role_matrix"),
                    ("menu_access", SYSTEM_CATEGORY)),
    "role_edit": (("can_edit", MATRIX_VIEW), ("can_matrix", MATRIX_VIEW), ("menu_access", "menu_role_matrix"),
                  ("menu_access", SYSTEM_CATEGORY)),
    # "users" is FAB's own security screens; the sync adds every permission they registered.
    "users": (("menu_access", SYSTEM_CATEGORY),),
    **{page: (("can_" + page.removeprefix("congress_"), CONGRESS_VIEW), ("can_list", CONGRESS_VIEW),
              ("menu_access", CONGRESS_MENU))
       for page in PAGES if page.startswith("congress_")},
    "dues_generate": (("can_generate", DUES_VIEW),),
    "motions_mine": (("can_mine", MOTIONS_VIEW), ("menu_access", "menu_motions_mine"), ("menu_access", MOTIONS_CATEGORY)),
    "motions_report": (("can_report", MOTIONS_VIEW), ("menu_access", "menu_motions_report"),
                       ("menu_access", MOTIONS_CATEGORY)),
}
#: The report screens (``portal.web.report_views``): one view and one API for every report; which report
#: a user may open is the role's ``reports`` in roles.yaml, checked by ``Access.can_report``.
REPORTS_VIEW = "reports"
REPORTS_API = "reports_api"
REPORTS_MENU = "menu_reports"
REPORT_READ: tuple[Permission, ...] = (("can_list", REPORTS_VIEW), ("can_show", REPORTS_VIEW),
                                       ("can_get", REPORTS_API), ("menu_access", REPORTS_MENU))
REPORT_EXPORT: tuple[Permission, ...] = (("can_export", REPORTS_VIEW),)
#: The API documentation, for every role that may use some register.
API_DOCS: tuple[Permission, ...] = (("can_get", "OpenApi"), ("can_show", "SwaggerView"))


def screen_name(spec: RegisterSpec) -> str:
    return spec.slug


def api_name(spec: RegisterSpec) -> str:
    return f"{spec.slug}_api"


def menu_name(spec: RegisterSpec) -> str:
    return f"menu_{spec.slug}"


def category_name(spec: RegisterSpec) -> str:
    return spec.menu.group.zh if spec.menu else DEFAULT_CATEGORY


#: Hand-written pages of a register, in its menu group for whoever may read it: register -> menu name.
REGISTER_PAGE_MENUS = {"resolutions": "menu_resolutions_progress"}


def verb_permissions(spec: RegisterSpec, verb: str) -> tuple[Permission, ...]:
    """The FAB pairs one verb on one register grants (screen, API, and menus for ``read``)."""
    screen, api = VERB_PERMISSIONS[verb]
    pairs = [(name, screen_name(spec)) for name in screen] + [(name, api_name(spec)) for name in api]
    if verb == "read":
        pairs += [("menu_access", menu_name(spec)), ("menu_access", category_name(spec))]
        if spec.slug in REGISTER_PAGE_MENUS:
            pairs.append(("menu_access", REGISTER_PAGE_MENUS[spec.slug]))
    return tuple(pairs)


def portal_views(registry: Registry) -> frozenset[str]:
    """View and menu names the portal owns; every other name in FAB's tables is FAB's own."""
    names = {LOOKUP_VIEW, AUDIT_VIEW, MATRIX_VIEW, "menu_audit", "menu_role_matrix", SYSTEM_CATEGORY, CONGRESS_VIEW,
             CONGRESS_MENU, REPORTS_VIEW, REPORTS_API, REPORTS_MENU, MOTIONS_VIEW, "menu_motions_mine",
             "menu_motions_report", *REGISTER_PAGE_MENUS.values()}
    for spec in registry:
        names.update((screen_name(spec), api_name(spec), menu_name(spec), category_name(spec)))
    return frozenset(names)


def role_permissions(role: RoleSpec, registry: Registry,
                     fab_pairs: Iterable[Permission] = ()) -> frozenset[Permission]:
    """Every FAB permission pair the role should hold.

    ``fab_pairs`` are FAB's own permissions (user and role screens, security menus); a role with
    the ``users`` page gets all of them.
    """
    pairs: set[Permission] = set(OWN_ACCOUNT)
    for spec in registry:
        for verb in sorted(role.verbs.get(spec.slug, ())):
            pairs.update(verb_permissions(spec, verb))
    if role.verbs:
        pairs.add(("can_lookup", LOOKUP_VIEW))
        pairs.update(API_DOCS)
    for page in sorted(role.pages):
        pairs.update(PAGE_PERMISSIONS[page])
    if any("read" in verbs for verbs in role.reports.values()):
        pairs.update(REPORT_READ)
    if any("export" in verbs for verbs in role.reports.values()):
        pairs.update(REPORT_EXPORT)
    if "users" in role.pages:
        pairs.update(fab_pairs)
    return frozenset(pairs)
