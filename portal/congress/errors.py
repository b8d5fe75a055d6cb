"""Why a congress step was refused: typed, with a Chinese sentence naming the figures and the fix."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

Step = TypeVar("Step", bound=Callable[..., Any])


class CongressError(Exception):
    """A refused congress step; ``status`` is the HTTP status a screen or the API answers with."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CongressError):
    status = 404


class InvalidInput(CongressError):
    """The request itself is wrong (an unknown choice, a manual check-in without a reason)."""

    status = 422


class WrongState(CongressError):
    """The poll or session is not in the state the step needs (a vote on a closed poll)."""


class QuorumNotMet(CongressError):
    """Too few delegates present to open a vote."""


class AlreadyVoted(CongressError):
    """The delegate's ballot for this poll is already in."""


def rolls_back_on_refusal(step: Step) -> Step:
    """A refused step (a ``CongressError``) ends its transaction, releasing any row it locked."""

    @functools.wraps(step)
    def run(session: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return step(session, *args, **kwargs)
        except CongressError:
            session.rollback()
            raise

    return run  # type: ignore[return-value]
