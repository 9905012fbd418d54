"""An installed wheel is complete: `liaison db upgrade` migrates a database from any directory,
without the source tree or `alembic.ini`, and the wheel carries the Slack manifest and the example
config as files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _build_wheel(tmp_path: Path) -> Path:
    # Built from a copy, so no build/ or egg-info left in the tree is reused or left behind.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "manifest.yml"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for name in ("bot", "migrations", "config"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(PROJECT_ROOT / name, source / name, symlinks=True, ignore=ignore)
    dist = tmp_path / "dist"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    _run(
        *pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source), cwd=source
    )
    [wheel] = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def _install(wheel: Path, tmp_path: Path) -> Path:
    """The wheel installed into a directory of its own (console script in its bin/)."""
    site = tmp_path / "site"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    _run(*pip, "install", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)
    return site


def test_installed_wheel_migrates_from_any_directory(wheel: Path, tmp_path: Path) -> None:

    with zipfile.ZipFile(wheel) as archive:
        for packaged, original in (
            ("bot/manifest.yml", "manifest.yml"),
            ("bot/_config/liaison.example.toml", "config/liaison.example.toml"),
        ):
            member = archive.getinfo(packaged)
            assert not stat.S_ISLNK(member.external_attr >> 16)
            assert archive.read(member) == (PROJECT_ROOT / original).read_bytes()
        shipped = set(archive.namelist())
    revisions = {
        f"bot/_migrations/versions/{p.name}" for p in PROJECT_ROOT.glob("migrations/versions/*.py")
    }
    assert revisions and revisions <= shipped
    assert {"bot/_migrations/env.py", "bot/_migrations/script.py.mako"} <= shipped

    site = _install(wheel, tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = tmp_path / "installed.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    script = "import bot; print(bot.__file__)"
    out = _run(sys.executable, "-c", script, cwd=elsewhere, env=env)
    assert Path(out.strip()).is_relative_to(site)  # the installed copy, not the source
    # The console script pip installed, as an operator would type it.
    liaison = str(site / "bin" / "liaison")
    assert "up to date" in _run(liaison, "db", "upgrade", cwd=elsewhere, env=env)

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "workspaces", "requests", "outbox"} <= tables


def test_installed_wheel_points_at_its_example_config(wheel: Path, tmp_path: Path) -> None:
    site = _install(wheel, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "LIAISON_CONFIG"}
    env["PYTHONPATH"] = str(site)
    liaison = str(site / "bin" / "liaison")

    # Without a config file, the message names the example the package installed ...
    done = subprocess.run(
        [liaison, "check-config"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    example = site / "bot" / "_config" / "liaison.example.toml"
    assert f"copy the example ({example})" in done.stderr
    # ... which is a valid config file as it stands.
    env["LIAISON_CONFIG"] = str(example)
    checked = _run(liaison, "check-config", cwd=elsewhere, env=env)
    assert ": OK (2 departments, 1 digests)" in checked
