"""Row collection without Flask: kept rows, gaps, limits, and messages translated only when shown."""

from __future__ import annotations

import pickle

import pytest

from portal.io.sheet_rows import Collector, Refusal, Text, collect, lazy_gettext, reach_text


def test_a_text_is_translated_when_shown_and_pickles_as_plain_data() -> None:
    text = lazy_gettext("The file has %(rows)s rows of data, more than the %(most)s rows one import takes; split it "
                        "into several files and import them one by one", rows="5", most="3")
    assert isinstance(text, Text) and text.variables == {"rows": "5", "most": "3"}
    assert str(text) == "文件有 5 行数据，超过单次导入上限 3 行，请拆分成几个文件后分别导入"
    assert pickle.loads(pickle.dumps((text.msgid, text.variables))) == (text.msgid, text.variables)


def test_empty_rows_between_data_come_out_as_none_and_trailing_ones_not_at_all() -> None:
    collector = Collector(10, 100, 100)
    kept = list(collector.rows([["姓名", "", ""], ["", "", ""], ["", "张三", ""], ["", "", ""]]))
    assert kept == [["姓名", None, None], None, [None, "张三", None]]
    assert collector.width == 2
    assert collect([["姓名", "", ""], ["", "", ""], ["", "张三", ""]], 10, 100, 100) == [
        ["姓名", None], [None, None], [None, "张三"]]


def test_limits_are_refused_with_their_messages() -> None:
    with pytest.raises(Refusal) as caught:
        collect([["x"]] * 4, 3, 100, 100)
    assert caught.value.text.msgid.startswith("The file has %(rows)s rows of data")
    with pytest.raises(Refusal) as caught:
        collect([["x", "y"]] * 3, 10, 5, 100)
    assert str(caught.value.text).startswith("文件的数据区域至少有 6 个单元格")
    with pytest.raises(Refusal) as caught:
        collect([["x", "y" * 11]], 10, 100, 10)
    assert str(caught.value.text).startswith("第 1 行 B 列的内容有 11 个字")


def test_reach_text_names_the_last_cell_only_beyond_the_limit() -> None:
    assert reach_text("名单", 300, 702, 210_600) is None
    text = reach_text("名单", 300, 702, 210_599)
    assert text is not None and "延伸到了 ZZ300 单元格（第 300 行、第 702 列）" in str(text)
