"""The small, closed condition language of workflow transitions (``when:`` in the YAML).

Parsed here by hand, never with ``eval``: a condition is comparisons of fields, settings and literals
joined by ``and``/``or``/``not`` and parentheses::

    per_capita_monthly_income <= config.low_income_line
    hardship_category in ['深度困难', '相对困难'] and not (household_size > 10)
    deeds != null

Operands: a field name of the register, ``config.<name>`` (a setting of the workflow), ``fact.<name>``
(a value computed from other registers, e.g. ``fact.unpaid_dues_months``), a number,
a quoted text, ``null``, ``true``/``false`` or ``today``. Operators: ``== != < <= > >= in``, ``not in``.
A comparison with a blank value is false (except ``== null`` / ``!= null``).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

TOKEN = re.compile(r"""\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<text>'[^']*'|"[^"]*")|(?P<op><=|>=|==|!=|<|>)"""
                   r"""|(?P<punct>[()\[\],])|(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?))""")
#: Facts a condition may read as ``fact.<name>``, with what they are (computed by ``portal.records.facts``).
FACTS = {
    "unpaid_dues_months": "会员连续未交会费的月数（截至本月，按会费登记簿；免交的月份不计）",
}
KEYWORDS = frozenset({"and", "or", "not", "in", "null", "true", "false", "today"})
ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


class ConditionSyntaxError(ValueError):
    """The condition cannot be read; the message is Chinese and says where."""


@dataclass(frozen=True)
class Operand:
    #: field, config, literal, list
    kind: str
    value: Any


@dataclass(frozen=True)
class Node:
    #: and, or, not, compare
    kind: str
    items: tuple[Any, ...]
    op: str = ""


@dataclass(frozen=True)
class Condition:
    """A parsed condition with the names it reads."""

    text: str
    tree: Node
    fields: tuple[str, ...]
    settings: tuple[str, ...]
    #: ``fact.<name>``: a value the engine computes from other registers (``FACTS``).
    facts: tuple[str, ...] = ()

    def evaluate(self, value_of: Callable[[str], Any], settings: Mapping[str, Any], today: date) -> bool:
        return bool(_evaluate(self.tree, value_of, settings, today))


def parse_condition(text: str) -> Condition:
    """Parse ``text``; raise ``ConditionSyntaxError`` naming the position of the first problem."""
    tokens = _tokens(text)
    parser = _Parser(text, tokens)
    tree = parser.expression()
    if parser.position < len(tokens):
        raise ConditionSyntaxError(f"“{tokens[parser.position][1]}”之后不应再有内容（第 {parser.position + 1} 个词）")
    return Condition(text, tree, tuple(dict.fromkeys(parser.fields)), tuple(dict.fromkeys(parser.settings)),
                     tuple(dict.fromkeys(parser.facts)))


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionSyntaxError(f"无法识别第 {position + 1} 个字符起的“{text[position:position + 10]}”")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    if not found:
        raise ConditionSyntaxError("条件是空的")
    return found


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str]]) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0
        self.fields: list[str] = []
        self.facts: list[str] = []
        self.settings: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ConditionSyntaxError("条件不完整：结尾缺少内容")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, value: str) -> None:
        kind, found = self.take()
        if found != value:
            raise ConditionSyntaxError(f"这里应为“{value}”，却是“{found}”")

    def expression(self) -> Node:
        items = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Node("or", tuple(items))

    def conjunction(self) -> Node:
        items = [self.negation()]
        while self.peek() == "and":
            self.take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else Node("and", tuple(items))

    def negation(self) -> Node:
        if self.peek() == "not":
            self.take()
            return Node("not", (self.negation(),))
        if self.peek() == "(":
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        op = self.peek()
        if op == "not":
            self.take()
            self.expect("in")
            op = "not in"
        elif op in COMPARE:
            self.take()
        else:
            raise ConditionSyntaxError(f"“{_show(left)}”之后应为比较符（== != < <= > >= in），却是“{op or '结尾'}”")
        right = self.operand()
        if op in ("in", "not in") and right.kind != "list":
            raise ConditionSyntaxError(f"{op} 之后应为列表，例如 ['甲', '乙']")
        return Node("compare", (left, right), op)

    def operand(self) -> Operand:
        kind, value = self.take()
        if kind == "number":
            return Operand("literal", Decimal(value))
        if kind == "text":
            return Operand("literal", value[1:-1])
        if value == "[":
            items: list[Operand] = []
            while self.peek() != "]":
                item = self.operand()
                if item.kind not in ("literal",):
                    raise ConditionSyntaxError("列表中只能写数字或带引号的文字")
                items.append(item)
                if self.peek() == ",":
                    self.take()
                elif self.peek() != "]":
                    raise ConditionSyntaxError("列表的各项之间应用逗号分隔，并以 ] 结束")
            self.take()
            return Operand("list", tuple(item.value for item in items))
        if kind == "name":
            if value in ("null", "true", "false"):
                return Operand("literal", {"null": None, "true": True, "false": False}[value])
            if value == "today":
                return Operand("today", None)
            if value in KEYWORDS:
                raise ConditionSyntaxError(f"“{value}”的位置不对：这里应为字段名、config.设置名或值")
            if value.startswith("config."):
                name = value.removeprefix("config.")
                self.settings.append(name)
                return Operand("config", name)
            if value.startswith("fact."):
                name = value.removeprefix("fact.")
                if name not in FACTS:
                    raise ConditionSyntaxError(f"没有名为“{value}”的事实；可用：{'、'.join('fact.' + n for n in FACTS)}")
                self.facts.append(name)
                return Operand("fact", name)
            if "." in value:
                raise ConditionSyntaxError(f"“{value}”不是字段名；设置要写成 config.名称")
            self.fields.append(value)
            return Operand("field", value)
        raise ConditionSyntaxError(f"这里应为字段名、config.设置名或值，却是“{value}”")


def _show(operand: Operand) -> str:
    return f"{operand.kind}.{operand.value}" if operand.kind in ("config", "fact") else str(operand.value)


def _value(operand: Operand, value_of: Callable[[str], Any], settings: Mapping[str, Any], today: date) -> Any:
    if operand.kind == "field":
        return value_of(operand.value)
    if operand.kind == "config":
        return settings.get(operand.value)
    if operand.kind == "fact":
        return value_of(f"fact.{operand.value}")
    if operand.kind == "today":
        return today
    return operand.value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Numbers as ``Decimal`` on both sides (a money field against a setting of 1050)."""
    if isinstance(left, (int, float, Decimal)) and not isinstance(left, bool):
        try:
            return Decimal(str(left)), Decimal(str(right))
        except (InvalidOperation, ValueError):
            return left, right
    return left, right


def _evaluate(node: Node, value_of: Callable[[str], Any], settings: Mapping[str, Any], today: date) -> bool:
    if node.kind == "and":
        return all(_evaluate(item, value_of, settings, today) for item in node.items)
    if node.kind == "or":
        return any(_evaluate(item, value_of, settings, today) for item in node.items)
    if node.kind == "not":
        return not _evaluate(node.items[0], value_of, settings, today)
    left, right = (_value(item, value_of, settings, today) for item in node.items)
    if node.op in ("in", "not in"):
        found = left is not None and any(_comparable(left, item)[0] == _comparable(left, item)[1] for item in right)
        return found if node.op == "in" else not found
    if node.op in ("==", "!="):
        if left is None or right is None:
            same = left is None and right is None
        else:
            first, second = _comparable(left, right)
            same = first == second
        return same if node.op == "==" else not same
    if left is None or right is None:
        return False
    first, second = _comparable(left, right)
    try:
        return bool(ORDER[node.op](first, second))
    except TypeError:
        return False
