"""Field settings from the environment (``COBRO_*``), read once.

- ``COBRO_VISIT_FAR_METERS`` (300): a visit checked in farther than this from the debtor's
  primary address is flagged ``far``.
- ``COBRO_FIELD_STOP_RADIUS_METERS`` (100): in the supervisor's route, the agent has left a stop
  when a ping is farther than this from the check-in position.
- ``COBRO_FIELD_WALKING_MPS`` (1.2), ``COBRO_FIELD_MOTORBIKE_MPS`` (5.5) and
  ``COBRO_FIELD_CAR_MPS`` (6.0): straight-line speeds of each travel mode (city traffic).
- Agents without a stored shift work ``COBRO_FIELD_SHIFT_START`` (08:00) to
  ``COBRO_FIELD_SHIFT_END`` (17:00) on foot, ``COBRO_FIELD_SERVICE_MINUTES`` (10) per visit.
- ``COBRO_FIELD_TEAM_PLAN_SECONDS`` (8): the team plan's search time limit.
"""

from __future__ import annotations

from datetime import time
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.schemas.field import TravelMode


class FieldSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBRO_", extra="ignore")

    visit_far_meters: int = Field(default=300, ge=1)
    field_stop_radius_meters: int = Field(default=100, ge=1)
    field_walking_mps: float = Field(default=1.2, gt=0)
    field_motorbike_mps: float = Field(default=5.5, gt=0)
    field_car_mps: float = Field(default=6.0, gt=0)
    field_service_minutes: int = Field(default=10, ge=1, le=240)
    field_shift_start: time = time(8, 0)
    field_shift_end: time = time(17, 0)
    field_team_plan_seconds: float = Field(default=8.0, gt=0, le=60)

    def speed(self, mode: TravelMode) -> float:
        return {
            "walking": self.field_walking_mps,
            "motorbike": self.field_motorbike_mps,
            "car": self.field_car_mps,
        }[mode]


@lru_cache
def field_settings() -> FieldSettings:
    return FieldSettings()
