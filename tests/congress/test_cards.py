"""portal.congress.cards: the delegate card's code, as a USB scanner types it."""

from __future__ import annotations

import pytest

from portal.congress.cards import card_code, delegate_from_card
from portal.congress.errors import InvalidInput

SECRET = "test-secret"


def test_a_card_code_reads_back_as_its_delegate_whatever_the_case_and_spaces() -> None:
    code = card_code(SECRET, 42)
    assert code.startswith("DB42-") and len(code) == len("DB42-") + 8
    assert delegate_from_card(SECRET, code) == 42
    assert delegate_from_card(SECRET, f"  {code.lower()}\n") == 42


@pytest.mark.parametrize("typed", ["", "DB42", "DB42-00000000", "DB43-{check}", "42", "DB42-{check}X"])
def test_a_mistyped_or_made_up_code_is_refused_in_chinese(typed: str) -> None:
    code = typed.replace("{check}", card_code(SECRET, 42).split("-")[1])
    with pytest.raises(InvalidInput, match="代表证码.*无法识别，请重新扫码；扫不出时请按姓名查找或补签"):
        delegate_from_card(SECRET, code)


def test_another_secret_makes_other_cards() -> None:
    with pytest.raises(InvalidInput):
        delegate_from_card("another-secret", card_code(SECRET, 7))
