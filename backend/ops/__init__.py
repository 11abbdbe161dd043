"""Operations: the probes (liveness, readiness, health) and the Prometheus metrics endpoint."""
