"""The inspections tests' county directory and executed draws, reused for the permission
matrix (a full round: draws, visits, teams)."""

from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)
