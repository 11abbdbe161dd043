"""The arithmetic of experiments, free of the database: the stable split, Thompson sampling
and the probability that each variant is the best, from Beta posteriors on the share of
accounts that paid within 7 days (uniform prior)."""

from __future__ import annotations

import hashlib
import uuid

import numpy as np

DRAWS = 20_000


def seed(experiment_id: uuid.UUID, account_id: uuid.UUID) -> int:
    """The same number for the same account in the same experiment, on any machine."""
    digest = hashlib.sha256(f"{experiment_id}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def at_random(experiment_id: uuid.UUID, account_id: uuid.UUID, variants: int) -> int:
    return seed(experiment_id, account_id) % variants


def thompson(
    experiment_id: uuid.UUID, account_id: uuid.UUID, outcomes: list[tuple[int, int]]
) -> int:
    """One draw from each variant's posterior (``(matured, paid)``), seeded by the account:
    the variant of the highest draw."""
    rng = np.random.default_rng(seed(experiment_id, account_id))
    draws = [rng.beta(1 + paid, 1 + matured - paid) for matured, paid in outcomes]
    return int(np.argmax(draws))


def probability_best(outcomes: list[tuple[int, int]], draws: int = DRAWS) -> list[float]:
    """Monte Carlo over the posteriors: the share of draws in which each variant is highest."""
    rng = np.random.default_rng(0)
    samples = np.column_stack(
        [rng.beta(1 + paid, 1 + matured - paid, size=draws) for matured, paid in outcomes]
    )
    wins = np.bincount(samples.argmax(axis=1), minlength=len(outcomes))
    return [float(w) / draws for w in wins]
