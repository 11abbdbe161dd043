"""Disputes: a debtor says a debt is not theirs, already paid or wrong; a supervisor decides."""
