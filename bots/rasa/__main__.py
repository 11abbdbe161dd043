"""The Rasa action server with Cobro's actions: ``python -m bots.rasa [-p 5055]``.

The same as ``python -m rasa_sdk --actions bots.rasa.actions``; other rasa_sdk options pass
through.
"""

from __future__ import annotations

import sys

from rasa_sdk.__main__ import main_from_args
from rasa_sdk.endpoint import create_argument_parser

ACTIONS = "bots.rasa.actions"


def main(argv: list[str] | None = None) -> None:
    args = create_argument_parser().parse_args(["--actions", ACTIONS, *(argv or sys.argv[1:])])
    main_from_args(args)


if __name__ == "__main__":
    main()
