"""Outbound collections: reaching debtors on their channels (strategies, contact rules, sending)."""
