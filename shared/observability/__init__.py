"""Logs, metrics and probes shared by every Cobro process (API, job workers, chat webhooks,
field app): structured logs with request ids (``logs``), Prometheus metrics (``metrics``), the
request middleware that feeds both (``requests``) and the small probe server of processes that
serve no HTTP of their own (``probes``)."""
