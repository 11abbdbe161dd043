"""Background work: a job registry, enqueueing in the caller's transaction, and two runners.

* PostgreSQL (production): procrastinate. ``enqueue`` inserts the job through procrastinate's own
  SQL function on the caller's connection, so a job exists exactly when the change that asked for
  it committed. ``cobro worker`` starts a worker (run as many as you like, on several machines);
  periodic jobs are deferred once per period across all workers; failed jobs retry with
  exponential backoff; jobs of a worker that died are retried when its heartbeat goes stale.
* SQLite (the embedded default): the same job functions run in a thread inside ``cobro serve``,
  from a table of the same database, with the same retries and periods.

Jobs are plain functions registered with ``@job(...)`` in their domain's ``tasks.py``; each opens
its own unit of work and is idempotent, so a retry after a crash changes nothing twice.
"""
