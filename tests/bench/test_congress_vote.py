"""bench/congress_vote.py in CI size: 60 phones vote at once through the real cast route; none lost, none twice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import congress_vote

from tests.congress.test_views import OwnContextClient


class ClientPhone:
    """A phone on the Flask test client: each request in an app context of its own, cookies kept."""

    def __init__(self, app: Any) -> None:
        self.client = OwnContextClient(app, app.response_class, use_cookies=True)

    def get(self, path: str) -> tuple[int, str]:
        response = self.client.get(path)
        return response.status_code, response.get_data(as_text=True)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(path, data=data)
        return response.status_code, response.get_data(as_text=True)


@pytest.mark.slow
def test_sixty_phones_with_retries_and_a_burst_lose_and_double_nothing(app: Any, congress_db: Any) -> None:
    sitting = congress_vote.seed_sitting(app, 60, "L", accounts=True,
                                         password_hash=generate_password_hash(congress_vote.PASSWORD,
                                                                              "pbkdf2:sha256:1000"))
    poll_id = congress_vote.open_item_poll(app, sitting.session_id, "并发表决")
    phones = [ClientPhone(app) for _ in sitting.usernames]
    tokens = [congress_vote.sign_in(phone, name) for phone, name in zip(phones, sitting.usernames)]

    shots = congress_vote.fire(phones, tokens, poll_id, seconds=1, threads=8, hammer=20)
    verdict = congress_vote.verify(app, poll_id, shots)

    assert (verdict.lost, verdict.double, verdict.errors) == (0, 0, 0)
    assert verdict.ballots == verdict.participations == verdict.voters_shown_receipt == 60
    assert verdict.retries == verdict.retries_refused == 5
    assert (verdict.hammer_receipts, verdict.hammer_refused) == (1, 19)
