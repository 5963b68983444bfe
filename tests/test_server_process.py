"""Muster as a new user runs it: `muster init`, `muster token create`, `muster serve` in its own
process, and the `muster` command talking to it over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from serving import MUSTER, free_port, muster_serve


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MUSTER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": database_url,
        "MUSTER_CONFIG": str(tmp_path / "config.json"),
    }
    assert run("init", str(tmp_path), env=env, cwd=tmp_path).returncode == 0
    token = run("token", "create", "admin", "--admin", env=env, cwd=tmp_path)
    assert token.returncode == 0, token.stderr
    plan = ["--plan", str(tmp_path / "muster.yaml")]
    with muster_serve(plan, env=env, cwd=tmp_path) as (url, _):
        yield {**env, "MUSTER_URL": url, "MUSTER_TOKEN": token.stdout.strip()}, tmp_path


def test_a_new_user_declares_and_reads_an_incident_against_a_real_server(
    server: tuple[dict[str, str], Path],
) -> None:
    env, cwd = server
    declared = run(
        "declare", "Checkout fails", "--severity", "SEV2", "--service", "billing", env=env, cwd=cwd
    )
    assert declared.returncode == 0, declared.stderr
    assert "Declared INC-1." in declared.stdout
    shown = json.loads(run("show", "INC-1", "--json", env=env, cwd=cwd).stdout)
    assert shown["severity"] == "SEV2" and shown["services"] == ["billing"]
    assert run("freeze", "status", "--service", "billing", env=env, cwd=cwd).returncode == 3
    assert run("freeze", "status", "--service", "web", env=env, cwd=cwd).returncode == 0

    refused = run("milestone", "INC-1", "reviewed", env=env, cwd=cwd)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: INC-1: cannot record reviewed before resolved")

    listed = run("list", "--open", env=env, cwd=cwd)
    assert "INC-1" in listed.stdout and "Checkout fails" in listed.stdout


def test_login_remembers_the_server_and_a_wrong_token_is_refused(
    server: tuple[dict[str, str], Path],
) -> None:
    env, cwd = server
    bare = {k: v for k, v in env.items() if k not in ("MUSTER_URL", "MUSTER_TOKEN")}
    wrong = run("login", "--url", env["MUSTER_URL"], "--token", "mst_wrong", env=bare, cwd=cwd)
    assert wrong.returncode == 2 and "unknown or revoked" in wrong.stderr
    good = run(
        "login", "--url", env["MUSTER_URL"], "--token", env["MUSTER_TOKEN"], env=bare, cwd=cwd
    )
    assert good.returncode == 0, good.stderr
    assert run("whoami", env=bare, cwd=cwd).stdout.strip() == "admin (admin)"


def test_an_unreachable_server_is_exit_1_with_a_hint(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MUSTER_URL": f"http://127.0.0.1:{free_port()}",
        "MUSTER_TOKEN": "x",
        "MUSTER_CONFIG": str(tmp_path / "none.json"),
    }
    result = run("list", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot reach Muster" in result.stderr and "muster serve" in result.stderr
