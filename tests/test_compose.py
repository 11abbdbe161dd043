"""The production stack: docker-compose.yml is valid Compose, every role runs from its image
target with a health check, and the Dockerfile builds those targets.

No Docker engine is needed: the compose file is checked against the Compose specification's
JSON schema (``check-jsonschema``, vendored schema) and both files are read for what they must
say. ``tests/test_stack.py`` starts the same processes without Docker.
"""

from __future__ import annotations

import ast
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
DATABASE_URL = "postgresql+psycopg://cobro:cobro@db:5432/cobro"
# Every long-running role: its Dockerfile target and the command it runs.
ROLES = {
    "api": ("api", ["cobro", "serve"]),
    "worker": ("worker", ["cobro", "worker"]),
    "bots": ("bots", ["cobro", "bots"]),
    "app": ("app", ["cobro", "field-app"]),
    "rasa-actions": ("rasa", ["cobro", "rasa-actions"]),
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """Instructions, one a line (continuations joined), without comments."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@pytest.fixture(scope="module")
def stages(dockerfile: list[str]) -> dict[str, list[str]]:
    """Each ``FROM ... AS name`` stage's instructions, the ``FROM`` line first."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in dockerfile:
        if line.split()[0] == "FROM":
            match = re.fullmatch(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            current = found.setdefault(match.group(2), [])
        current.append(line)
    return found


def instructions(lines: list[str], name: str) -> list[str]:
    return [line.split(maxsplit=1)[1] for line in lines if line.split()[0] == name]


def stage_chain(stages: dict[str, list[str]], name: str) -> list[str]:
    """The stage and the stages it is built FROM, itself first."""
    chain = [name]
    while (base := stages[chain[-1]][0].split()[1]) in stages:
        chain.append(base)
    return chain


def healthcheck_url(test: list[str]) -> str:
    (url,) = re.findall(r"http://127\.0\.0\.1:\d+/\w+", " ".join(test))
    return url


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


def test_every_service_is_checked_or_runs_once(services: dict[str, Any]) -> None:
    """Long-running services have a health check; the one-shot migration exits instead, and
    whatever needs the schema waits for it to complete."""
    for name, service in services.items():
        if service.get("restart") == "no":
            assert name == "migrate" and service["command"] == ["cobro", "migrate"]
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
    for name in ("api", "worker"):
        migrate = services[name]["depends_on"]["migrate"]
        assert migrate["condition"] == "service_completed_successfully"


def test_every_role_runs_its_image_target(
    services: dict[str, Any], stages: dict[str, list[str]]
) -> None:
    assert set(ROLES) <= set(services)
    images = set()
    for name, (target, command) in ROLES.items():
        service = services[name]
        assert service["build"] == {"context": ".", "target": target}, name
        assert target in stages, f"no Dockerfile stage {target}"
        assert service["command"][:2] == command
        images.add(service["image"])
        # The service's own check and the image's agree on the probe.
        (image_check,) = instructions(stages[target], "HEALTHCHECK")
        assert healthcheck_url(service["healthcheck"]["test"]) in image_check
    assert len(images) == len(ROLES)  # one image per role
    assert services["migrate"]["image"] == services["api"]["image"]


def test_role_images_install_their_extras_only(stages: dict[str, list[str]]) -> None:
    """The API image has neither the bots nor the app extra; each other role has its own."""
    expected = {"api": ".", "worker": ".[bots]", "bots": ".[bots]", "app": ".[mobile]"}
    expected["rasa"] = ".[rasa]"
    for target, extras in expected.items():
        (copy,) = instructions(stages[target], "COPY")
        venv = re.search(r"--from=(\S+)", copy)
        assert venv and "/opt/cobro" in copy
        (install,) = [run for run in instructions(stages[venv.group(1)], "RUN")]
        assert re.search(rf'pip install "?{re.escape(extras)}"?(\s|$)', install), target
        users = instructions(stages[target], "USER")
        assert users and users[-1] not in ("root", "0")
        assert stage_chain(stages, target)[-1] == "runtime"
        assert stages["runtime"][0].split()[1] == "python:3.11-slim"


def test_api_image_is_the_default_and_migrates_then_serves_several_processes(
    dockerfile: list[str], stages: dict[str, list[str]]
) -> None:
    last = [line for line in dockerfile if line.split()[0] == "FROM"][-1]
    assert last.endswith(" AS api")  # `docker build .` builds the API
    (cmd,) = instructions(stages["api"], "CMD")
    migrate, serve = cmd.index("cobro migrate"), cmd.index("cobro serve --host 0.0.0.0")
    assert migrate < serve and "&&" in cmd[migrate:serve]
    assert "--workers" in cmd[serve:]


def test_postgres_and_redis_services(compose: dict[str, Any]) -> None:
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert db["image"].startswith("postgres:16")
    assert any(v.split(":")[0] in compose["volumes"] for v in db["volumes"])  # a named volume
    assert redis["image"].startswith("redis:")


def test_redis_is_used_by_the_processes_that_send(services: dict[str, Any]) -> None:
    """Redis holds the outbound rate limits that every worker shares: it is configured where
    reminders are sent, and those services wait for it."""
    for name in ("api", "worker"):
        assert services[name]["environment"]["COBRO_REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_api_runs_several_processes_against_postgres(services: dict[str, Any]) -> None:
    api = services["api"]
    env = api["environment"]
    assert env["DATABASE_URL"] == DATABASE_URL
    assert env["COBRO_ENV"] == "production"
    assert env["COBRO_SECRET_KEY"].startswith("${COBRO_SECRET_KEY:?")  # required, never defaulted
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "8000:8000" in api["ports"]
    workers = api["command"][api["command"].index("--workers") + 1]
    assert workers == "${COBRO_API_WORKERS:-2}"
    assert healthcheck_url(api["healthcheck"]["test"]).endswith("/readyz")


def test_workers_run_jobs_and_the_schedule_on_the_same_database(
    services: dict[str, Any],
) -> None:
    """No scheduler service: each worker defers the periodic jobs, once per period across all
    of them (backend/jobs/worker.py registers them with procrastinate's periodic deferrer)."""
    worker = services["worker"]
    assert worker["environment"]["DATABASE_URL"] == DATABASE_URL
    assert worker["deploy"]["replicas"] >= 2
    command = worker["command"]
    port = command[command.index("--metrics-port") + 1]
    assert healthcheck_url(worker["healthcheck"]["test"]).endswith(f":{port}/livez")
    assert not any("schedul" in name for name in services)
    worker_source = (ROOT / "backend" / "jobs" / "worker.py").read_text()
    assert "app.periodic(" in worker_source


def test_clients_of_the_api_reach_it_over_http_without_the_database(
    services: dict[str, Any],
) -> None:
    for name in ("bots", "app", "rasa-actions"):
        env = services[name]["environment"]
        assert env["COBRO_API_URL"] == "http://api:8000", name
        assert "DATABASE_URL" not in env and "COBRO_SECRET_KEY" not in env, name
        assert services[name]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["bots"]["environment"]["COBRO_BOT_TOKEN"] == "${COBRO_BOT_TOKEN:-}"
    assert services["rasa-actions"]["environment"]["COBRO_BOT_TOKEN"] == "${COBRO_BOT_TOKEN:-}"


def test_image_copies_every_package_the_backend_imports(dockerfile: list[str]) -> None:
    copied = set()
    for copy in instructions(dockerfile, "COPY"):
        if "--from=" in copy:
            continue
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
