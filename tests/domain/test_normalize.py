"""Tests for portal.domain.normalize."""
import pytest

from portal.domain.normalize import compact, normalize_text, spelling_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc", "abc"),
        ("  张三  ", "张三"),
        ("１２３ＡＢＣａｂｃ", "123ABCabc"),
        ("！～", "!~"),
        ("\u3000工会\u3000", "工会"),
        ("工\u3000会", "工 会"),
        ("\ufeff\u200b 张 三\u00a0\t\n", "张 三"),
        ("", ""),
        ("（全角括号）", "(全角括号)"),
        ("中文、标点。", "中文、标点。"),  # U+3001/U+3002 lie outside U+FF01..U+FF5E: kept
        ("中文，标点", "中文,标点"),  # U+FF0C is full-width ASCII: converted
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_text_covers_the_whole_fullwidth_block():
    fullwidth = "".join(chr(code) for code in range(0xFF01, 0xFF5F))
    ascii_ = "".join(chr(code) for code in range(0x21, 0x7F))
    assert normalize_text(fullwidth) == ascii_


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("110105 19491231 002X", "11010519491231002X"),
        ("１３８\u3000００１３\u00a0８０００", "13800138000"),
        ("138\u200b0013\t8000\n", "13800138000"),
        ("\ufeff+86 138 0013 8000", "+8613800138000"),
        ("   ", ""),
    ],
)
def test_compact_removes_all_whitespace(raw, expected):
    assert compact(raw) == expected


def test_normalize_prose_keeps_chinese_punctuation():
    from portal.domain.normalize import normalize_prose

    assert normalize_prose("　退休，保留会籍（ＡＢ１２）　") == "退休，保留会籍（AB12）"


@pytest.mark.parametrize("raw", ["下(待)岗", "下（待）岗", " 下 (待) 岗 ", "\u3000下(待)岗\u200b"])
def test_spelling_key_ignores_width_and_spaces(raw):
    assert spelling_key(raw) == "下(待)岗"


def test_spelling_key_ignores_case_and_compatibility_forms():
    assert spelling_key("Bachelor's  DEGREE") == spelling_key("bachelor's degree")
    assert spelling_key("㈠") == spelling_key("(一)")  # NFKC, as for headers
