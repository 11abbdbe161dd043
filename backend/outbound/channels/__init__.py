"""One sending adapter per channel behind :class:`~backend.outbound.channels.base.Sender`.

Each adapter drives the provider's own library (pywa, python-telegram-bot, twilio, smtplib) with
a configurable base URL, so tests point it at the local stand-ins of ``tests/outbound``.
Adapters are synchronous: the sending job calls them on a worker thread.
"""
