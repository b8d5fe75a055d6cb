"""The single table of user-facing messages for domain validation.

Every template names the field through the ``label`` parameter (the field's
display label, e.g. ``身份证号``) and tells the user how to fix the value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString

from portal.texts import in_locale, lazy_gettext

#: The English template of each message code (``{name}`` fields); its Chinese is in the zh catalogue.
MESSAGES: dict[str, LazyString] = {
    "required": lazy_gettext("{label}: required, please fill it in"),
    "id_length": lazy_gettext("{label}: must have 18 characters (currently {length})"),
    "id_legacy_15": lazy_gettext("{label}: this is an old 15-digit number, please enter the 18-digit number instead"),
    "id_chars": lazy_gettext("{label}: only digits are allowed, the last character may be X"),
    "id_birth_invalid": lazy_gettext("{label}: the birth date {birth} in the number is not a valid date"),
    "id_birth_future": lazy_gettext("{label}: the birth date {birth} in the number is later than today"),
    "id_check": lazy_gettext("{label}: wrong check character, should be {expected}"),
    "id_gender_mismatch": lazy_gettext("{label}: digit 17 indicates {id_gender}, which does not match gender "
                                       "“{gender}”"),
    "id_birth_mismatch": lazy_gettext("{label}: the birth date {id_birth} in the number does not match birth date "
                                      "{birth}, please check"),
    "gender_invalid": lazy_gettext("{label}: must be “男” (male) or “女” (female), currently “{value}”"),
    "phone_invalid": lazy_gettext("{label}: must be 11 digits starting with 1 (second digit 3-9), currently “{value}”"),
    "too_long": lazy_gettext("{label}: at most {max_length} characters (currently {length}), please shorten it"),
    "bidi_control": lazy_gettext("{label}: contains a hidden character that changes the text direction ({char}), so "
                                 "the text would display differently from what it is; please remove it"),
    "control_character": lazy_gettext("{label}: contains an invisible control character ({char}), please remove it"),
    "line_break": lazy_gettext("{label}: must be a single line but contains a line break or tab ({char}), please "
                               "remove it"),
    "pattern_mismatch": lazy_gettext("{label}: “{value}” is not in the expected format, see the hint"),
    "not_integer": lazy_gettext("{label}: must be a whole number, currently “{value}”"),
    "not_number": lazy_gettext("{label}: must be a number, currently “{value}”"),
    "too_many_decimals": lazy_gettext("{label}: at most {places} decimal places (currently {value})"),
    "too_small": lazy_gettext("{label}: must not be less than {min} (currently {value})"),
    "too_large": lazy_gettext("{label}: must not be greater than {max} (currently {value})"),
    "bad_date": lazy_gettext("{label}: “{value}” is not a valid date, write it like 2020-01-05"),
    "bad_month": lazy_gettext("{label}: “{value}” is not a valid month, write it like 2020-01"),
    "bad_boolean": lazy_gettext("{label}: must be yes or no, currently “{value}”"),
    "not_in_choices": lazy_gettext("{label}: “{value}” is not one of the choices: {choices}"),
    "bad_email": lazy_gettext("{label}: “{value}” is not a valid e-mail address"),
    "id_as_number": lazy_gettext("{label}: stored as a number ({value}) so digits may be lost; format the column as "
                                 "text and re-enter it"),
    "link_not_found": lazy_gettext("{label}: “{value}” was not found, enter the key or name of an existing {target} "
                                   "record you may see"),
    "scope_required": lazy_gettext("{label} is required: you may only keep records inside your own organisation"),
    "link_ambiguous": lazy_gettext("{label}: “{value}” matches several {target} records, enter its unique key instead"),
    "not_unique": lazy_gettext("{label}: “{value}” is already used by another record"),
    "org_from_mismatch": lazy_gettext("{label}: “{org}” differs from “{source_org}”, the unit of the {link}; enter "
                                      "“{source_org}” or leave it blank to take it from the {link}"),
    "link_outside_org": lazy_gettext("{label}: belongs to “{linked_org}”, outside this record's {org_label} “{org}” "
                                     "and the units below it; choose one inside “{org}” or change the {org_label}"),
    "tree_cycle": lazy_gettext("{label}: cannot be this record or one of its descendants"),
    "amount_invalid": lazy_gettext("{label}: must be a numeric amount, currently “{value}”"),
    "amount_negative": lazy_gettext("{label}: must not be negative, please enter 0 or a positive amount (currently "
                                    "{value})"),
}

# English renderings of Chinese labels and terms that appear as parameters (keys: the Chinese as given).
TERMS_EN: dict[str, str] = {
    "身份证号": "ID number",  # i18n: data
    "证件号码": "ID number",  # i18n: data
    "手机号码": "Mobile number",  # i18n: data
    "手机号": "Mobile number",  # i18n: data
    "月工资收入": "Monthly wage income",  # i18n: data
    "会费基数": "Dues base",  # i18n: data
    "性别": "Gender",  # i18n: data
    "男": "male",  # i18n: data
    "女": "female",  # i18n: data
}


@dataclass(frozen=True)
class Problem:
    """A validation problem: a message code plus the parameters of its template."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, locale: str = "zh") -> str:
        """Render the message in ``locale`` ("zh" or "en"; anything else falls back to zh)."""
        template = MESSAGES.get(self.code)
        if template is None:
            return self.code
        lang = "en" if locale.lower().startswith("en") else "zh"
        params = dict(self.params)
        if lang == "en":
            for key in ("label", "target", "link", "org_label"):  # each may come with its English name
                if isinstance(params.get(f"{key}_en"), str):
                    params[key] = params[f"{key}_en"]
            # Labels and gender terms are translated; free-form user values are not.
            for key in ("label", "id_gender", "gender"):
                value = params.get(key)
                if isinstance(value, str):
                    params[key] = TERMS_EN.get(value, value)
        with in_locale(lang):
            return str(template).format(**params)


class DomainValidationError(ValueError):
    """A domain rule was broken; ``.problem`` holds the code and parameters."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message("zh"))

    @classmethod
    def of(cls, code: str, **params: Any) -> DomainValidationError:
        """Build the error from a message code and template parameters."""
        return cls(Problem(code, params))

    @property
    def code(self) -> str:
        """The message code of the problem."""
        return self.problem.code

    def message(self, locale: str = "zh") -> str:
        """The problem's message in ``locale``."""
        return self.problem.message(locale)

    def __reduce__(self) -> tuple[type[DomainValidationError], tuple[Problem]]:
        return (type(self), (self.problem,))
