"""The jobs as the runner runs them, each creditor its own unit of work: training adds a
version per creditor with scoring on (none for one with too little history), scoring scores
with the newest, and the segments job then bands accounts by score."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from backend.core.db import session_scope
from backend.creditors.models import Creditor
from backend.scoring.models import AccountScore, PropensityModel
from backend.scoring.tasks import run_scoring, run_training
from backend.segments.models import AccountSegment, SegmentRule
from backend.segments.tasks import run_evaluation
from tests import builders as b
from tests.scoring.history import TODAY, history


def test_train_score_and_segment_jobs(committed_engine: Engine) -> None:
    with session_scope(committed_engine) as session:
        rich = b.portfolio(session)
        made = history(session, rich, 120, seed=3)
        poor = b.portfolio(session)
        history(session, poor, 10, seed=4)
        off = b.portfolio(session)
        history(session, off, 120, seed=5)
        session.get_one(Creditor, off.creditor_id).scoring_enabled = False
        session.add(
            SegmentRule(
                portfolio_id=rich.id,
                segment="probables",
                position=1,
                conditions={"score_bands": ["high"]},
            )
        )
        ids = {name: p.creditor_id for name, p in (("rich", rich), ("poor", poor), ("off", off))}
        rich_id = rich.id

    versions = run_training(committed_engine, today=TODAY)
    again = run_training(committed_engine, today=TODAY)
    counts = run_scoring(committed_engine, today=TODAY)
    run_evaluation(committed_engine)

    assert versions == {str(ids["rich"]): 1, str(ids["poor"]): None}
    assert again[str(ids["rich"])] == 2
    owing = sum(1 for a in made if a.balance_minor > 0)
    assert counts[str(ids["rich"])] == owing and counts[str(ids["off"])] == 0
    with session_scope(committed_engine, write=False) as session:
        used = session.execute(select(AccountScore.model_id).distinct()).scalars().all()
        newest = session.execute(
            select(PropensityModel.id).where(PropensityModel.version == 2)
        ).scalar_one()
        assert used == [newest]
        high = session.execute(
            select(func.count()).select_from(AccountScore).where(AccountScore.band == "high")
        ).scalar_one()
        segmented = session.execute(
            select(func.count())
            .select_from(AccountSegment)
            .where(AccountSegment.portfolio_id == rich_id, AccountSegment.segment == "probables")
        ).scalar_one()
        assert high > 0 and segmented == high
