"""One process of the shared-limit test: waits for a common start, reserves ``count`` WhatsApp
slots through Redis, prints when each slot falls (on Redis's clock) as JSON.

    python -m tests.outbound.channels.rate_worker REDIS_URL PREFIX PER_SECOND COUNT START_AT
"""

from __future__ import annotations

import json
import sys
import time

from redis import Redis

from backend.outbound.channels.ratelimit import Rate, RedisLimiter
from shared.schemas.enums import Channel


def main(url: str, prefix: str, per_second: str, count: str, start_at: str) -> None:
    limiter = RedisLimiter(
        Redis.from_url(url),
        {Channel.whatsapp: Rate("whatsapp:shared", float(per_second))},
        prefix=prefix,
    )
    time.sleep(max(0.0, float(start_at) - time.time()))
    slots = [limiter.reserve(Channel.whatsapp)[0] for _ in range(int(count))]
    print(json.dumps(slots))


if __name__ == "__main__":
    main(*sys.argv[1:])
