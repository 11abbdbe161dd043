"""The jobs Cobro knows: name, function, retries, and an optional period (a cron line)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.core.config import get_settings

JobFunction = Callable[..., Any]

# Each domain's tasks module, imported before any runner looks a job up.
TASK_MODULES = (
    "backend.auth.tasks",
    "backend.promises.tasks",
    "backend.plans.tasks",
    "backend.conversations.tasks",
    "backend.imports.tasks",
    "backend.statements.tasks",
    "backend.outbound.tasks",
    "backend.integrations.tasks",
    "backend.privacy.tasks",
    "backend.analytics.tasks",
    "backend.scoring.tasks",
    "backend.segments.tasks",
    "backend.jobs.tasks",
)


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    max_attempts: int = 5
    cron: str | None = None  # periodic: deferred once per period across all workers
    queue: str = "default"


_JOBS: dict[str, Job] = {}


def job(
    name: str, *, max_attempts: int = 5, cron: str | None = None, queue: str = "default"
) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` as the job ``name`` (its arguments must be JSON values)."""

    def register(function: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name].function is not function:
            raise ValueError(f"job {name!r} registered twice")
        _JOBS[name] = Job(name, function, max_attempts, cron, queue)
        return function

    return register


def load() -> dict[str, Job]:
    """Every job: the domains' and those of ``COBRO_JOB_MODULES`` (extensions, tests)."""
    for module in (*TASK_MODULES, *get_settings().job_module_list):
        importlib.import_module(module)
    return dict(_JOBS)


class UnknownJob(LookupError):
    pass


def get(name: str) -> Job:
    jobs = load()
    if name not in jobs:
        raise UnknownJob(name)
    return jobs[name]
