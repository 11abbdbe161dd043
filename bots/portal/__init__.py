"""The debtor self-service portal: server-rendered pages (Jinja2) at ``/portal``.

A debtor channel like the chat bots: it reaches the backend only through the typed client's
bot API, as the chat ``("portal", <browser session id>)``, so verification, its lockouts and
everything a verified chat may do are the backend's rules for every chat (``docs/portal.md``).
"""
