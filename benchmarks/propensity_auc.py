"""Propensity model benchmark: held-out AUC on the demo data, beside the days-past-due baseline.

What is measured
----------------
For each seed, a fresh SQLite database is migrated and the demo (``backend.demo``, whose
debtors pay by a habit of their own that fades as debts age) is loaded with ``--debtors``
debtors over its three creditors. The job ``scoring.train`` then trains each creditor's model
as of 30 days before the demo's day (label: a payment in the 30 days after), holding out a
quarter of the accounts, stratified.

**Baseline**, same accounts, same held-out split, same run: the AUC of days past due alone
(fewer days late ranks as more likely to pay). The model must beat it on every seed.

Writes ``benchmarks/results/propensity_auc.json``.

Usage: ``python benchmarks/propensity_auc.py [--debtors 3000] [--seeds 7 11]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import default_database, log, sqlite_database

RESULTS = Path(__file__).parent / "results" / "propensity_auc.json"


def run_seed(debtors: int, seed: int) -> list[dict[str, object]]:
    from sqlmodel import select

    from backend.core.db import get_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.creditors.models import Creditor
    from backend.demo.commands import load
    from backend.scoring import repository
    from backend.scoring.tasks import train_models

    with get_engine().begin() as conn:
        upgrade(conn)
    started = time.perf_counter()
    with session_scope() as session:
        load(session, debtors=debtors, seed=seed)
    log(f"seed {seed}: demo of {debtors} debtors loaded in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    versions = train_models()
    seconds = time.perf_counter() - started
    found = []
    with session_scope(write=False) as session:
        names = dict(session.execute(select(Creditor.id, Creditor.name)).all())
        for creditor_id in versions:
            model = repository.latest(session, __import__("uuid").UUID(creditor_id))
            if model is None:
                continue
            m = model.metrics
            found.append(
                {
                    "seed": seed,
                    "creditor": names[model.creditor_id],
                    "accounts": m["rows"],
                    "paid_share": round(m["positives"] / m["rows"], 3),
                    "held_out": m["held_out"],
                    "auc": round(m["auc"], 4),
                    "baseline_auc": round(m["baseline_auc"], 4),
                    "brier": round(m["brier"], 4),
                    "train_seconds_all_creditors": round(seconds, 2),
                }
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--debtors", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11])
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for seed in args.seeds:
        with sqlite_database() as url, default_database(url):
            rows += run_seed(args.debtors, seed)
    for row in rows:
        log(
            f"seed {row['seed']} {row['creditor']}: AUC {row['auc']} vs days-past-due "
            f"{row['baseline_auc']} (held out {row['held_out']} of {row['accounts']}, "
            f"paid {row['paid_share']}, Brier {row['brier']})"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"debtors": args.debtors, "results": rows}, indent=2) + "\n")
    beaten = all(float(r["auc"]) > float(r["baseline_auc"]) for r in rows)  # type: ignore[arg-type]
    log(f"model beats the baseline on every seed and creditor: {beaten}")


if __name__ == "__main__":
    main()
