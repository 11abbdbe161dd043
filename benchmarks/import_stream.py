"""Streaming import benchmark: rows per second and peak memory of ``cobro import``'s service
beside a plain bulk insert of the same rows, in the same run, on SQLite and PostgreSQL.

For each database and each repetition, child processes (so each one's peak RSS is its own):

- ``bulk``: the CSV rows read with the ``csv`` module and inserted unvalidated into one plain
  table of text columns (executemany on SQLite, COPY on PostgreSQL), in one
  transaction: what the machine can do with these rows at all;
- ``import``: a freshly migrated database with the portfolio and agents of
  ``import_and_api.seed``; the generated file (``import_and_api.generate_csv``: Spanish
  headers, ``;``, decimal commas, valid documents and phones, a fifth of the debtors with
  several accounts) imported in one transaction through ``backend.imports.service``;
- ``baseline`` (with ``--baseline COMMIT``): the same import with the code of that commit
  (``git archive``), so before and after are measured side by side under the same load.

Reported per database (medians): seconds, CPU seconds of the benchmark's own process (the
PostgreSQL server's are not in it; under load they move less than seconds), rows/s and peak
RSS of each; import time over bulk
time; the import's speed-up over the baseline; and whether the targets hold: at least
``TARGET_ROWS_PER_SECOND`` rows/s and a peak RSS under ``TARGET_PEAK_MB``. The machine's load
average before and after is recorded: absolute figures move with it, the same-run ratios much
less. Writes ``benchmarks/results/import_stream.json`` (``import_stream_<rows>.json`` for
another number of rows).

Usage: ``python benchmarks/import_stream.py [--rows 100000] [--repeat 3] [--skip-postgres]
[--skip-sqlite] [--baseline COMMIT]``; ``--rows 1000000 --repeat 1`` checks the memory bound.
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
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TREE = os.environ.get("COBRO_BENCH_TREE")  # the code a ``baseline`` child imports
if TREE:  # bind the packages to the baseline's files before anything imports them from ROOT
    sys.path.insert(0, TREE)
    import backend  # noqa: F401
    import shared  # noqa: F401
sys.path.insert(1 if TREE else 0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("COBRO_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)

import import_and_api as base  # noqa: E402
from _common import source_tree  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET_ROWS_PER_SECOND = 20_000
TARGET_PEAK_MB = 500


def child_import(url: str, path: Path) -> dict[str, Any]:
    from backend.audit.service import Actor
    from backend.core.db import make_engine, session_scope
    from backend.imports import service

    seeded = base.seed(url)
    engine = make_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session, path.open("rb") as stream:
        result = service.import_file(
            session, Actor.system(), None, seeded.portfolio_id, stream, path.name
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": seconds, "cpu_seconds": cpu, "summary": result.summary}


def child_bulk(url: str, path: Path) -> dict[str, Any]:
    from sqlalchemy import text

    from backend.core.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_rows"))
        columns = ", ".join(f"c{i} TEXT" for i in range(len(base.HEADER)))
        conn.execute(text(f"CREATE TABLE bench_rows ({columns})"))
    started, cpu = time.perf_counter(), time.process_time()
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
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": seconds, "cpu_seconds": cpu}


def run_child(kind: str, url: str, path: Path, tree: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--url", url, "--file", str(path)]
    env = {**os.environ, "PYTHONPATH": str(tree or ROOT)}
    if tree is not None:
        env["COBRO_BENCH_TREE"] = str(tree)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh(kind: str, pg_url: str) -> Any:
    """A new empty database (a context manager giving its URL), as the API benchmark makes."""
    return base.sqlite_database() if kind == "sqlite" else base.postgres_database(pg_url)


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def measure(
    kind: str, pg_url: str, path: Path, rows: int, repeat: int, tree: Path | None
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"bulk": [], "import": []}
    if tree is not None:
        runs["baseline"] = []
    for attempt in range(repeat):
        for what in runs:
            with fresh(kind, pg_url) as url:
                if what == "baseline":
                    result = run_child("import", url, path, tree)
                else:
                    result = run_child(what, url, path)
            result["load_average"] = load_average()
            runs[what].append(result)
            base.log(
                f"[{kind} {attempt + 1}/{repeat}] {what}: {result['seconds']:.2f} s "
                f"({result['cpu_seconds']:.2f} s CPU), "
                f"{rows / result['seconds']:,.0f} rows/s, peak {result['peak_mb']:.0f} MB, "
                f"load {result['load_average'][0]}"
            )
    out: dict[str, Any] = {}
    for what, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        out[what] = {
            "median_seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in results), 2),
            "median_peak_rss_mb": round(statistics.median(r["peak_mb"] for r in results)),
            "runs": results,
        }
    imported = out["import"]
    out["import_over_bulk_time"] = round(
        imported["median_seconds"] / out["bulk"]["median_seconds"], 2
    )
    if "baseline" in out:
        out["baseline_over_bulk_time"] = round(
            out["baseline"]["median_seconds"] / out["bulk"]["median_seconds"], 2
        )
        out["speedup_over_baseline"] = round(
            out["baseline"]["median_seconds"] / imported["median_seconds"], 2
        )
    out["targets"] = {
        "rows_per_second": imported["rows_per_second"] >= TARGET_ROWS_PER_SECOND,
        "peak_rss": imported["median_peak_rss_mb"] < TARGET_PEAK_MB,
    }
    out["summary"] = runs["import"][-1]["summary"]
    return out


def print_table(results: dict[str, Any]) -> None:
    rows = results["rows"]
    print(
        f"\nImport of {rows:,} rows ({results['file_mb']} MB CSV), medians of "
        f"{results['repeat']}; load average {results['load_average']['before']} before, "
        f"{results['load_average']['after']} after (1, 5, 15 min; {results['environment']['cpus']}"
        " CPUs)"
    )
    print(
        f"{'database':<12}{'what':<10}{'seconds':>9}{'CPU s':>7}{'rows/s':>10}{'peak MB':>9}"
        f"{'x bulk time':>13}"
    )
    for kind, res in results["backends"].items():
        bulk_seconds = res["bulk"]["median_seconds"]
        for what in ("bulk", "baseline", "import"):
            if what not in res:
                continue
            figures = res[what]
            print(
                f"{kind:<12}{what:<10}{figures['median_seconds']:>9}"
                f"{figures['median_cpu_seconds']:>7}{figures['rows_per_second']:>10,}"
                f"{figures['median_peak_rss_mb']:>9}"
                f"{figures['median_seconds'] / bulk_seconds:>13.1f}"
            )
    print()
    for kind, res in results["backends"].items():
        imported, targets = res["import"], res["targets"]
        speedup = (
            f"; {res['speedup_over_baseline']}x faster than {results['baseline']}"
            if "speedup_over_baseline" in res
            else ""
        )
        fast, small = (_met(targets[name]) for name in ("rows_per_second", "peak_rss"))
        print(
            f"{kind}: {imported['rows_per_second']:,} rows/s "
            f"(target {TARGET_ROWS_PER_SECOND:,}: {fast}), "
            f"peak {imported['median_peak_rss_mb']} MB (target < {TARGET_PEAK_MB}: {small}), "
            f"{res['import_over_bulk_time']}x the bulk insert's time{speedup}"
        )


def _met(held: bool) -> str:
    return "met" if held else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--baseline", help="a commit whose import is measured alongside")
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

    skipped = {"sqlite": args.skip_sqlite, "postgresql": args.skip_postgres}
    kinds = [kind for kind, skip in skipped.items() if not skip]
    results: dict[str, Any] = {
        "rows": args.rows,
        "repeat": args.repeat,
        "baseline": args.baseline,
        "environment": base.environment(None if args.skip_postgres else args.pg_url),
        "targets": {"rows_per_second": TARGET_ROWS_PER_SECOND, "peak_rss_mb": TARGET_PEAK_MB},
        "load_average": {"before": load_average()},
        "backends": {},
    }
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cobro_stream_")))
        tree = stack.enter_context(source_tree(args.baseline)) if args.baseline else None
        path = folder / f"cartera-{uuid.uuid4().hex[:6]}.csv"
        base.log(f"generating {args.rows:,} rows")
        base.generate_csv(path, args.rows)
        results["file_mb"] = round(path.stat().st_size / 2**20, 1)
        for kind in kinds:
            results["backends"][kind] = measure(
                kind, args.pg_url, path, args.rows, args.repeat, tree
            )
    results["load_average"]["after"] = load_average()
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "import_stream" if args.rows == 100_000 else f"import_stream_{args.rows}"
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results)
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
