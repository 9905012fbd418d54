"""The files an operator deploys with say what the README promises (checked as text: no Docker
daemon or registry is needed). The Dockerfile builds the wheel and installs it in a slim final
stage, runs as a user other than root, serves `liaison run` on $PORT and checks /healthz; compose
starts PostgreSQL with a volume and a health check, migrates once it answers, and points the app
at it, with the rest of the environment from .env. The Procfile keeps its three processes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.slack.manifest import bot_scopes

ROOT = Path(__file__).resolve().parents[1]


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (continuation lines joined), stage by stage."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        stages[-1].append((word.upper(), " ".join(rest.split())))
    return stages


def test_the_image_is_built_from_the_wheel_and_runs_liaison_unprivileged() -> None:
    build, final = dockerfile_stages()
    assert build[0] == ("FROM", "python:3.11-slim AS build")
    assert any(w == "RUN" and "pip wheel" in a and "--no-deps" in a for w, a in build)
    # Everything a wheel needs, symlink targets included (bot/_migrations, bot/_config).
    copied = " ".join(a for w, a in build if w == "COPY")
    for needed in ("pyproject.toml", "README.md", "manifest.yml", "migrations", "config", "bot"):
        assert needed in copied

    assert final[0] == ("FROM", "python:3.11-slim")
    assert ("COPY", "--from=build /dist/ /tmp/dist/") in final
    [install] = [a for w, a in final if w == "RUN" and "pip install" in a]
    assert "/tmp/dist/liaison-*.whl" in install and "--no-cache-dir" in install
    assert not any(w == "COPY" and "--from" not in a for w, a in final)  # no source tree
    words = [w for w, _ in final]
    users = [a for w, a in final if w == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert words.index("USER") < words.index("CMD")
    assert json.loads(dict(final)["CMD"]) == ["liaison", "run"]
    env = " ".join(a for w, a in final if w == "ENV")
    assert "PORT=3000" in env and ("EXPOSE", "3000") in final
    health = dict(final)["HEALTHCHECK"]
    assert "/healthz" in health and "PORT" in health


def test_docker_builds_from_what_the_wheel_needs_and_nothing_secret() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"  # everything is left out but what is named
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "manifest.yml", "bot", "migrations", "config"}


def test_compose_runs_postgres_then_the_migrations_then_the_app() -> None:
    compose = read_yaml(ROOT / "compose.yaml")
    services = compose["services"]

    db = services["db"]
    assert db["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert db["volumes"][0].split(":")[0] in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    user, name = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]

    url = f"postgresql+psycopg://{user}:${{POSTGRES_PASSWORD}}@db:5432/{name}"
    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == ["liaison", "db", "upgrade"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["command"] == ["liaison", "run"]
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    for service in (migrate, app):
        assert service["build"] == "." and service["image"] == "liaison"
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"] == url
    assert app["environment"]["PORT"] == "3000" and app["ports"][0].endswith(":3000")
    assert "./config:/app/config:ro" in app["volumes"]


def test_the_procfile_keeps_its_three_processes() -> None:
    assert (ROOT / "Procfile").read_text().splitlines() == [
        "release: liaison db upgrade",
        "web: liaison web",
        "worker: liaison worker",
    ]


def read_yaml(path: Path) -> Any:
    """The subset of YAML compose.yaml is written in: block mappings and sequences, plain or
    quoted scalars, and flow sequences of quoted strings; comments on their own lines."""
    lines = [
        (len(line) - len(line.lstrip(" ")), line.strip())
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    value, end = _block(lines, 0, 0)
    assert end == len(lines), f"unread from line {lines[end]}"
    return value


def _block(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[Any, int]:
    if lines[start][1].startswith("- "):
        items: list[Any] = []
        i = start
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            items.append(_scalar(lines[i][1][2:]))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    i = start
    while i < len(lines) and lines[i][0] == indent:
        key, _, rest = lines[i][1].partition(":")
        i += 1
        if rest.strip():
            mapping[key] = _scalar(rest.strip())
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = _block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def _scalar(text: str) -> Any:
    if text.startswith("["):
        return json.loads(text)
    if text[:1] in "\"'" and text[-1:] == text[:1]:
        return text[1:-1]
    return text


def test_a_checkout_has_no_config_file_so_make_run_is_a_first_run() -> None:
    """The example's ids are placeholders: `make run` in a fresh checkout must not apply them.
    LIAISON_CONFIG still looks for config/liaison.toml, which a checkout does not have."""
    from bot.settings import Settings

    assert Settings.model_fields["liaison_config"].default == Path("config/liaison.toml")
    assert (ROOT / "config" / "liaison.example.toml").is_file()
    listed = subprocess.run(
        ["git", "ls-files", "config"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert listed.stdout.split() == ["config/liaison.example.toml"]
    readme = (ROOT / "README.md").read_text()
    assert "copy [`config/liaison.example.toml`](config/liaison.example.toml) to" in readme


def test_the_manifest_names_each_scope_once_and_ships_inside_the_package() -> None:
    shipped = (ROOT / "bot" / "manifest.yml").read_text(encoding="utf-8")
    assert (ROOT / "manifest.yml").read_text(encoding="utf-8") == shipped
    scopes = bot_scopes(shipped)
    assert scopes and len(scopes) == len(set(scopes))
