"""Cobro's field agent app (Flet 1.0): offline-first, a client of the API only.

``mobile.app`` is the entry point, ``mobile.web`` serves it in the browser; the logic lives in
plain classes (``store``, ``outbox``, ``sync``, ``viewmodels``) and ``views`` only draws them.
"""
