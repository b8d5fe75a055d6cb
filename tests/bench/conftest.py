"""The benches' CI-sized tests use the congress fixtures."""

from tests.congress.conftest import congress_db  # noqa: F401
