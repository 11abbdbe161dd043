"""The experiment a path names (``/experiments/{experiment_id}...``), loaded in the endpoint's
unit of work; 404 when missing. Experiments are portfolio configuration: staff see them."""

from __future__ import annotations

import uuid
from typing import Annotated

from sqlmodel import Session

from backend.core.errors import NotFound
from backend.core.guards import guard
from backend.experiments.models import Experiment


def _experiment(session: Session, experiment_id: uuid.UUID) -> Experiment:
    found = session.get(Experiment, experiment_id)
    if found is None:
        raise NotFound()
    return found


KnownExperiment = Annotated[Experiment, guard(_experiment)]
