"""Supervisor and creditor intelligence: portfolio, agent and channel KPIs, the accounts behind
each figure, exports, the daily aging snapshots and the dashboard page."""
