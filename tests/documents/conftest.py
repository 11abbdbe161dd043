"""The disputes tests' world: a Lima team, a debtor with an account, the bot."""

from tests.disputes.conftest import world  # noqa: F401  (the fixture, shared)
