"""The production stack: docker-compose.yml is valid Compose, and the image runs the API.

No Docker engine is needed: the compose file is checked against the Compose specification's
JSON schema (``check-jsonschema``, vendored schema) and both files are read for what they must
say.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIRST_PARTY = {"backend", "shared", "bots", "mobile"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """Instructions, one a line (continuations joined), without comments."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def instructions(dockerfile: list[str], name: str) -> list[str]:
    return [line.split(maxsplit=1)[1] for line in dockerfile if line.split()[0] == name]


def test_compose_file_matches_the_compose_specification() -> None:
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            "docker-compose.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_postgres_and_redis_services(compose: dict[str, Any]) -> None:
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert db["image"].startswith("postgres:16")
    assert db["healthcheck"]["test"]
    assert any(v.split(":")[0] in compose["volumes"] for v in db["volumes"])  # a named volume
    assert redis["image"].startswith("redis:")


def test_api_service_runs_the_image_against_postgres(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["build"] in (".", {"context": "."})
    env = api["environment"]
    assert env["DATABASE_URL"] == "postgresql+psycopg://cobro:cobro@db:5432/cobro"
    assert env["COBRO_ENV"] == "production"
    assert env["COBRO_SECRET_KEY"].startswith("${COBRO_SECRET_KEY:?")  # required, never defaulted
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "8000:8000" in api["ports"]


def test_worker_service_runs_the_job_runner_on_the_same_database(compose: dict[str, Any]) -> None:
    api, worker = compose["services"]["api"], compose["services"]["worker"]
    assert worker["image"] == api["image"]
    assert worker["command"][:2] == ["cobro", "worker"]
    assert worker["environment"]["DATABASE_URL"] == api["environment"]["DATABASE_URL"]
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"  # migrated first


def test_image_installs_the_core_and_runs_migrate_then_serve(dockerfile: list[str]) -> None:
    assert instructions(dockerfile, "FROM")[-1] == "python:3.11-slim"
    installs = [run for run in instructions(dockerfile, "RUN") if "pip install" in run]
    assert installs and all(re.search(r"pip install \.(\s|$)", run) for run in installs)
    users = instructions(dockerfile, "USER")
    assert users and users[-1] not in ("root", "0")
    (cmd,) = instructions(dockerfile, "CMD")
    shell = json.loads(cmd)
    assert shell[:2] == ["sh", "-c"]
    migrate, serve = shell[2].index("cobro migrate"), shell[2].index("cobro serve --host 0.0.0.0")
    assert migrate < serve and "&&" in shell[2][migrate:serve]


def test_image_copies_every_package_the_backend_imports(dockerfile: list[str]) -> None:
    copied = set()
    for copy in instructions(dockerfile, "COPY"):
        sources = [part for part in copy.split() if not part.startswith("--")][:-1]
        copied.update(sources)
    imported = set()
    for path in (ROOT / "backend").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert imported & FIRST_PARTY <= copied
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert not ignored & copied
    assert {".venv", "var"} <= ignored
