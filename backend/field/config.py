"""Field settings from the environment (``COBRO_*``), read once.

- ``COBRO_VISIT_FAR_METERS`` (300): a visit checked in farther than this from the debtor's
  primary address is flagged ``far``.
- ``COBRO_FIELD_STOP_RADIUS_METERS`` (100): in the supervisor's route, the agent has left a stop
  when a ping is farther than this from the check-in position.
- ``COBRO_FIELD_WALKING_MPS`` (1.2) and ``COBRO_FIELD_MOTORBIKE_MPS`` (5.5): straight-line
  speeds of the worklist's ETAs.
- ``COBRO_FIELD_SERVICE_MINUTES`` (10): time assumed at each stop for the ETAs.
"""

from __future__ import annotations

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
    field_service_minutes: float = Field(default=10.0, ge=0)

    def speed(self, mode: TravelMode) -> float:
        return self.field_motorbike_mps if mode == "motorbike" else self.field_walking_mps


@lru_cache
def field_settings() -> FieldSettings:
    return FieldSettings()
