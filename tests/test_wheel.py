"""An installed wheel is complete: it migrates a database from any directory, without the
source tree or `alembic.ini`, and carries the Slack manifest as a file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

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
    for name in ("bot", "migrations"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(PROJECT_ROOT / name, source / name, symlinks=True, ignore=ignore)
    dist = tmp_path / "dist"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    _run(
        *pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source), cwd=source
    )
    [wheel] = dist.glob("*.whl")
    return wheel


def test_installed_wheel_migrates_from_any_directory(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        manifest = archive.getinfo("bot/manifest.yml")
        assert not stat.S_ISLNK(manifest.external_attr >> 16)
        assert archive.read(manifest) == (PROJECT_ROOT / "manifest.yml").read_bytes()
        shipped = set(archive.namelist())
    revisions = {
        f"bot/_migrations/versions/{p.name}" for p in PROJECT_ROOT.glob("migrations/versions/*.py")
    }
    assert revisions and revisions <= shipped
    assert {"bot/_migrations/env.py", "bot/_migrations/script.py.mako"} <= shipped

    site = tmp_path / "site"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    _run(*pip, "install", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = tmp_path / "installed.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "DATABASE_URL": f"sqlite:///{database}",
    }
    script = (
        "import sys, bot, bot.cli; print(bot.__file__); sys.exit(bot.cli.main(['db', 'upgrade']))"
    )
    out = _run(sys.executable, "-c", script, cwd=elsewhere, env=env)
    assert Path(out.splitlines()[0]).is_relative_to(site)  # the installed copy, not the source

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "workspaces", "requests", "outbox"} <= tables
