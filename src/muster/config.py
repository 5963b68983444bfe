"""Settings, read once from the environment, typed, and failing loudly on a bad value."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from muster.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///muster.db"


@dataclass(frozen=True)
class Settings:
    """What `muster serve` and the admin commands need to know.

    MUSTER_DATABASE_URL  sqlite:///PATH (default: muster.db in the working directory) or
                         postgresql+psycopg://USER@HOST:PORT/DB
    """

    database_url: str = DEFAULT_DATABASE_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(database_url=normalise_database_url(env.get("MUSTER_DATABASE_URL", "")))


def normalise_database_url(url: str) -> str:
    """Accept the URL forms people paste, and say plainly which ones work."""
    url = url.strip() or DEFAULT_DATABASE_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise InvalidInput(
        f"MUSTER_DATABASE_URL={url!r} is not a database Muster supports",
        hint="use sqlite:///muster.db or postgresql+psycopg://user@host:5432/dbname",
        field="MUSTER_DATABASE_URL",
    )
