"""Streaming import benchmark: rows per second and peak memory of ``cobro import``'s service
beside a plain bulk insert of the same rows, in the same run, on SQLite and PostgreSQL.

For each database and each repetition, two child processes (so each one's peak RSS is its own):

- ``import``: a freshly migrated database with the portfolio and agents of
  ``import_and_api.seed``; the generated file (``import_and_api.generate_csv``: Spanish
  headers, ``;``, decimal commas, valid documents and phones, a fifth of the debtors with
  several accounts) imported in one transaction through ``backend.imports.service``;
- ``bulk``: the same CSV rows read with the ``csv`` module and inserted unvalidated into one
  plain table of text columns (executemany on SQLite, COPY on PostgreSQL), in one transaction.

Reported per database: the median seconds, rows/s and peak RSS of each, and the ratios
import/bulk (time) and the import's rows/s. Writes ``benchmarks/results/import_stream.json``.

Usage: ``python benchmarks/import_stream.py [--rows 100000] [--repeat 3] [--skip-postgres]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

import import_and_api as base  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def child_import(url: str, path: Path) -> dict[str, Any]:
    from backend.audit.service import Actor
    from backend.core.db import make_engine, session_scope
    from backend.imports import service

    seeded = base.seed(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session, path.open("rb") as stream:
        result = service.import_file(
            session, Actor.system(), None, seeded.portfolio_id, stream, path.name
        )
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "summary": result.summary}


def child_bulk(url: str, path: Path) -> dict[str, Any]:
    from sqlalchemy import text

    from backend.core.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_rows"))
        columns = ", ".join(f"c{i} TEXT" for i in range(len(base.HEADER)))
        conn.execute(text(f"CREATE TABLE bench_rows ({columns})"))
    started = time.perf_counter()
    with engine.begin() as conn, path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source, delimiter=";")
        next(reader)
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy("COPY bench_rows FROM STDIN") as copy:
                for record in reader:
                    copy.write_row(record)
        else:
            marks = ", ".join("?" for _ in base.HEADER)
            cursor = raw.cursor()
            while batch := [record for _, record in zip(range(5000), reader, strict=False)]:
                cursor.executemany(f"INSERT INTO bench_rows VALUES ({marks})", batch)  # noqa: S608
            cursor.close()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds}


def run_child(kind: str, url: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--url", url, "--file", str(path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh(kind: str, pg_url: str) -> Any:
    """A new empty database (a context manager giving its URL), as the API benchmark makes."""
    return base.sqlite_database() if kind == "sqlite" else base.postgres_database(pg_url)


def measure(kind: str, pg_url: str, path: Path, rows: int, repeat: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"import": [], "bulk": []}
    for attempt in range(repeat):
        for what in ("bulk", "import"):
            with fresh(kind, pg_url) as url:
                result = run_child(what, url, path)
            runs[what].append(result)
            base.log(
                f"[{kind} {attempt + 1}/{repeat}] {what}: {result['seconds']:.2f} s, "
                f"{rows / result['seconds']:,.0f} rows/s, peak {result['peak_mb']:.0f} MB"
            )
    out: dict[str, Any] = {}
    for what, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        out[what] = {
            "median_seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "median_peak_rss_mb": round(statistics.median(r["peak_mb"] for r in results)),
            "runs": results,
        }
    out["import_over_bulk_time"] = round(
        out["import"]["median_seconds"] / out["bulk"]["median_seconds"], 2
    )
    out["summary"] = runs["import"][-1]["summary"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--pg-url", default=base.DEFAULT_PG)
    parser.add_argument("--child", choices=("import", "bulk"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = child_import if args.child == "import" else child_bulk
        result = work(args.url, args.file)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result, default=str))
        return

    kinds = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
    results: dict[str, Any] = {
        "rows": args.rows,
        "repeat": args.repeat,
        "environment": base.environment(None if args.skip_postgres else args.pg_url),
        "backends": {},
    }
    with tempfile.TemporaryDirectory(prefix="cobro_stream_") as folder:
        path = Path(folder) / f"cartera-{uuid.uuid4().hex[:6]}.csv"
        base.log(f"generating {args.rows:,} rows")
        base.generate_csv(path, args.rows)
        results["file_mb"] = round(path.stat().st_size / 2**20, 1)
        for kind in kinds:
            results["backends"][kind] = measure(kind, args.pg_url, path, args.rows, args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "import_stream.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nImport of {args.rows:,} rows ({results['file_mb']} MB CSV), medians of {args.repeat}")
    print(
        f"{'database':<12}{'import s':>10}{'rows/s':>10}{'peak MB':>9}"
        f"{'bulk s':>9}{'rows/s':>11}{'peak MB':>9}{'import/bulk':>13}"
    )
    for kind, res in results["backends"].items():
        imp, bulk = res["import"], res["bulk"]
        print(
            f"{kind:<12}{imp['median_seconds']:>10}{imp['rows_per_second']:>10,}"
            f"{imp['median_peak_rss_mb']:>9}{bulk['median_seconds']:>9}"
            f"{bulk['rows_per_second']:>11,}{bulk['median_peak_rss_mb']:>9}"
            f"{res['import_over_bulk_time']:>13}"
        )
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
