"""Demo data: a deterministic portfolio in Lima, Bogotá and Ciudad de México (``cobro demo-data``).

``catalog`` holds the static facts (markets, districts, names, products), ``identities`` makes
valid national ids, ``generator`` turns a seed into plain data and ``commands`` loads that data
through the domain services in one transaction.
"""
