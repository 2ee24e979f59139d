"""The inspections tests' county directory and executed draws, reused for the public portal."""

from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)
