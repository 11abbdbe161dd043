"""One sending worker in a process of its own, for the test that kills it mid-send: sends the
due reminders by SMS through the Twilio stand-in at ``API_URL``, on the clock pinned at
``AT``, then prints what it did.

    python -m tests.outbound.send_worker DATABASE_URL API_URL AT
"""

from __future__ import annotations

import sys
from datetime import datetime

from backend.core.clock import pinned
from backend.core.db import make_engine
from backend.outbound.channels.ratelimit import LocalLimiter
from backend.outbound.sending import send_due
from shared.schemas.enums import Channel
from tests.outbound.channels.test_sms import sender_for


def main(database_url: str, api_url: str, at: str) -> None:
    engine = make_engine(database_url)
    sms = sender_for(api_url, timeout=60)
    with pinned(datetime.fromisoformat(at)):
        report = send_due({Channel.sms: sms}, LocalLimiter({}), engine)
    print(report, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
