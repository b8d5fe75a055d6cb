"""The secret ballot: after close and seal, nothing in the database pairs a delegate with a ballot.

The attack: dump every row of the participation and ballot tables with the database's own system
columns (PostgreSQL ``xmin`` and ``ctid``, SQLite ``rowid``), then pair them every way a reader could:
by equal values of any two columns, and by rank (sort both tables by any column, either direction, and
pair the first with the first). Each of the 60 delegates casts a different ballot, so the test knows
how many pairs a rule got right.

The bound: after the seal, every ballot's position and key are drawn at random, independently of the
order of arrival, so any fixed pairing rule is right about as often as a random permutation has fixed
points, which is Poisson(1): P(≥ 10 right) ≈ 1.1e-7 per rule, about 1e-5 over the hundred-odd rules
tried here (a union bound), so the test does not flake.
The same rules pair all 60 before the seal, so the test fails when the seal does nothing.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from portal.congress import service, tokens, voting
from portal.congress.models import Ballot, Participation

from .conftest import STAFF, Sitting

CHAIR = "主席团老李"
VOTERS = 60
ITEMS = ["集体合同草案", "工资调整方案", "女职工权益保护专项合同", "劳动安全卫生专项合同"]
#: More right pairs than this from any rule is a link, not chance (see the module docstring).
CHANCE_BOUND = 10


def system_columns(db: Any) -> str:
    return "xmin::text AS xmin, ctid::text AS ctid" if db.get_bind().dialect.name == "postgresql" else "rowid"


def dump(db: Any, table: str) -> list[dict[str, Any]]:
    """Every row with its system columns, in the order the database hands them out (plus that position)."""
    rows = db.execute(sa.text(f"SELECT {system_columns(db)}, * FROM {table}")).mappings().all()
    return [{**row, "position": index} for index, row in enumerate(rows)]


def sort_key(column: str) -> Callable[[dict[str, Any]], Any]:
    def key(row: dict[str, Any]) -> Any:
        value = row[column]
        if column == "ctid":
            return tuple(int(part) for part in value.strip("()").split(","))
        if value is None:  # a column left empty (a check-in's reason) sorts first, as a database would
            return (0, "")
        return (1, int(value) if column == "xmin" else value)
    return key


def pairings(participations: list[dict[str, Any]], ballots: list[dict[str, Any]],
             wanted: dict[int, str], value: str = "choices") -> dict[str, int]:
    """How many delegates each pairing rule gives their own ballot (or card: ``wanted`` holds ``value``)."""
    right = {}
    for p_column, b_column in itertools.product(participations[0], ballots[0]):
        for reverse in (False, True):
            by_p = sorted(participations, key=sort_key(p_column))
            by_b = sorted(ballots, key=sort_key(b_column), reverse=reverse)
            right[f"rank {p_column}~{b_column}{' desc' if reverse else ''}"] = sum(
                wanted[p["delegate_id"]] == b[value] for p, b in zip(by_p, by_b))
        matches = {}
        for p in participations:
            same = [b for b in ballots if str(b[b_column]) == str(p[p_column])]
            matches[p["delegate_id"]] = same[0][value] if len(same) == 1 else None
        right[f"join {p_column}={b_column}"] = sum(wanted[d] == found for d, found in matches.items())
    return right


def vote_sixty(db: Any, make_sitting: Callable[..., Sitting]) -> tuple[int, dict[int, str]]:
    """60 delegates each cast a different ballot, in an order unrelated to their ids; the poll is closed."""
    rng = random.Random(20260320)
    sitting = make_sitting(voters=VOTERS)
    for delegate_id in sitting.voters:
        service.check_in(db, sitting.session_id, delegate_id, STAFF)
    poll = voting.create_poll(db, sitting.session_id, "item", "表决四项议题", ITEMS, CHAIR)
    voting.open_poll(db, poll.id, CHAIR)
    combos = rng.sample(list(itertools.product(("赞成", "反对", "弃权"), repeat=len(ITEMS))), VOTERS)
    arrival = rng.sample(sitting.voters, VOTERS)
    wanted = {}
    for delegate_id, combo in zip(arrival, combos):
        voting.cast(db, poll.id, delegate_id, {"items": list(combo)})
        wanted[delegate_id] = json.dumps({"items": list(combo)}, ensure_ascii=False)
    voting.close_poll(db, poll.id, CHAIR, seal=False)
    return poll.id, wanted


def table_sizes(db: Any) -> dict[str, int]:
    names = sa.inspect(db.get_bind()).get_table_names()
    return {name: db.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) for name in names}


def test_before_the_seal_the_system_columns_pair_every_ballot(congress_db: Any,
                                                              make_sitting: Callable[..., Sitting]) -> None:
    poll_id, wanted = vote_sixty(congress_db, make_sitting)
    right = pairings(dump(congress_db, "congress_participation"), dump(congress_db, "congress_ballot"), wanted)
    leaks = {rule: count for rule, count in right.items() if count == VOTERS}
    system = "xmin" if congress_db.get_bind().dialect.name == "postgresql" else "rowid"
    assert f"rank {system}~{system}" in leaks, right


def test_after_the_seal_no_pairing_beats_chance(congress_db: Any, make_sitting: Callable[..., Sitting]) -> None:
    poll_id, wanted = vote_sixty(congress_db, make_sitting)
    voting.seal_poll(congress_db, poll_id, CHAIR)
    participations = dump(congress_db, "congress_participation")
    ballots = dump(congress_db, "congress_ballot")
    assert len(participations) == len(ballots) == VOTERS
    assert set(participations[0]) - {"xmin", "ctid", "rowid", "position"} == {"poll_id", "delegate_id"}
    right = pairings(participations, ballots, wanted)
    assert len(right) >= 30
    assert max(right.values()) < CHANCE_BOUND, sorted(right.items(), key=lambda item: -item[1])[:5]
    if congress_db.get_bind().dialect.name == "postgresql":
        assert len({b["xmin"] for b in ballots}) == 1  # one sealing transaction wrote them all
        assert not {b["xmin"] for b in ballots} & {p["xmin"] for p in participations}
    # Every receipt is still there, so each delegate can find theirs.
    assert sorted(b["receipt"] for b in ballots) == voting.receipts(congress_db, poll_id)


def test_a_cast_writes_nothing_but_its_participation_and_ballot(congress_db: Any,
                                                                make_sitting: Callable[..., Sitting]) -> None:
    sitting = make_sitting(voters=3)
    for delegate_id in sitting.voters:
        service.check_in(congress_db, sitting.session_id, delegate_id, STAFF)
    poll = voting.open_poll(congress_db, voting.create_poll(congress_db, sitting.session_id, "item", "表决",
                                                            ITEMS[:1], CHAIR).id, CHAIR)
    before = table_sizes(congress_db)
    voting.cast(congress_db, poll.id, sitting.voters[0], {"items": ["赞成"]})
    after = table_sizes(congress_db)
    grown = {name for name in after if after[name] != before[name]}
    assert grown == {Participation.__tablename__, Ballot.__tablename__}


def test_the_seal_leaves_no_copy_of_the_original_rows(app: Any, congress_db: Any,
                                                      make_sitting: Callable[..., Sitting]) -> None:
    poll_id, _wanted = vote_sixty(congress_db, make_sitting)
    originals = congress_db.scalars(sa.select(Ballot.id)).all()
    voting.seal_poll(congress_db, poll_id, CHAIR)
    engine = congress_db.get_bind()
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database)
        raw = b"".join(path.read_bytes() for path in (database, database.with_name(database.name + "-wal"))
                       if path.exists())
        assert not [ballot_id for ballot_id in originals if ballot_id.encode() in raw]
        return
    congress_db.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    congress_db.commit()
    pages = congress_db.scalar(sa.text("SELECT pg_relation_size('congress_ballot') / 8192"))
    heap = congress_db.execute(sa.text(
        "SELECT t_xmin::text, t_ctid::text FROM generate_series(0, :last) AS page, "
        "LATERAL heap_page_items(get_raw_page('congress_ballot', page::int)) WHERE lp_len > 0"),
        {"last": pages - 1}).all()
    live = congress_db.execute(sa.text("SELECT xmin::text, ctid::text FROM congress_ballot")).all()
    assert sorted(heap) == sorted(live)  # no dead original row is left in the table's pages
    index = congress_db.scalar(sa.text(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'congress_ballot'::regclass "
        "AND indisunique AND NOT indisprimary"))
    index_pages = congress_db.scalar(sa.text("SELECT pg_relation_size(:index) / 8192"), {"index": index})
    pointers = congress_db.scalars(sa.text(
        "SELECT htid::text FROM generate_series(1, :last) AS page, LATERAL bt_page_items(:index, page::int) "
        "WHERE htid IS NOT NULL AND (SELECT btpo_level FROM bt_page_stats(:index, page::int)) = 0"),
        {"last": index_pages - 1, "index": index}).all()
    assert len(pointers) >= VOTERS
    assert set(pointers) <= {ctid for _xmin, ctid in live}  # the receipts' index points at sealed rows only


def card_votes(db: Any, make_sitting: Callable[..., Sitting]) -> tuple[int, dict[int, str], dict[int, str]]:
    """Token cards: 60 delegates check in, each drawing a card from the shuffled stack right after (the staff
    count it), and each casts a different ballot with their card, in an order unrelated to the check-in.
    Returns the poll, each delegate's card digest and each delegate's ballot; the poll is still open."""
    rng = random.Random(20260321)
    sitting = make_sitting(voters=VOTERS)
    poll = voting.create_poll(db, sitting.session_id, "item", "表决四项议题", ITEMS, CHAIR)
    stack = tokens.make_cards(db, poll.id, VOTERS, STAFF)
    rng.shuffle(stack)
    drawn = {}
    for delegate_id in rng.sample(sitting.voters, VOTERS):
        service.check_in(db, sitting.session_id, delegate_id, STAFF)
        tokens.issue(db, poll.id, 1, STAFF)
        drawn[delegate_id] = stack.pop()
    voting.open_poll(db, poll.id, CHAIR)
    combos = rng.sample(list(itertools.product(("赞成", "反对", "弃权"), repeat=len(ITEMS))), VOTERS)
    wanted = {}
    for delegate_id, combo in zip(rng.sample(sitting.voters, VOTERS), combos):
        tokens.cast_card(db, drawn[delegate_id], {"items": list(combo)})
        wanted[delegate_id] = json.dumps({"items": list(combo)}, ensure_ascii=False)
    return poll.id, {d: tokens.digest(card) for d, card in drawn.items()}, wanted


def assert_chance(right: dict[str, int]) -> None:
    assert len(right) >= 30
    assert max(right.values()) < CHANCE_BOUND, sorted(right.items(), key=lambda item: -item[1])[:5]


def test_token_cards_pair_nobody_with_a_card_or_a_ballot(congress_db: Any,
                                                         make_sitting: Callable[..., Sitting]) -> None:
    poll_id, cards, wanted = card_votes(congress_db, make_sitting)
    people = dump(congress_db, "congress_checkin")
    assert len(people) == VOTERS and not dump(congress_db, "congress_participation")
    # while the poll is open: no table says who holds which card, nor which ballot is whose
    assert_chance(pairings(people, dump(congress_db, "congress_token"), cards, value="digest"))
    assert_chance(pairings(people, dump(congress_db, "congress_ballot"), wanted))
    voting.close_poll(congress_db, poll_id, CHAIR)
    ballots = dump(congress_db, "congress_ballot")
    assert len(ballots) == VOTERS
    assert_chance(pairings(people, ballots, wanted))
    assert_chance(pairings(people, dump(congress_db, "congress_token"), cards, value="digest"))
    # nothing else in the database names a card or a ballot beside a delegate (the named votes' table,
    # kept only for 记名 polls, stays empty for a secret one)
    assert not dump(congress_db, "congress_named_choice")
    tables = set(sa.inspect(congress_db.get_bind()).get_table_names()) - {"congress_named_choice"}
    for name in tables:
        columns = {column["name"] for column in sa.inspect(congress_db.get_bind()).get_columns(name)}
        if "delegate_id" in columns:
            assert not columns & {"digest", "choices", "receipt", "token"}, name
    result = voting.tally(congress_db, poll_id, CHAIR)
    assert result["channels"]["token"] == {"issued": VOTERS, "returned": VOTERS}
