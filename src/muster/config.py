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
    MUSTER_STATUS_MAIL   mailto://... (Apprise) for mail to status-page subscribers; unset:
                         subscribers get no mail
    MUSTER_PUBLIC_URL    https://muster.example.com: where people reach this server, for the
                         links in messages (page acknowledgement, calendar feeds) and the hook
                         URLs `muster integrations` shows; unset: the links are relative paths
                         and say so (hook URLs use the address the request came in on)
    """

    database_url: str = DEFAULT_DATABASE_URL
    status_mail: str | None = None
    public_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=normalise_database_url(env.get("MUSTER_DATABASE_URL", "")),
            status_mail=_status_mail(env.get("MUSTER_STATUS_MAIL", "")),
            public_url=_public_url(env.get("MUSTER_PUBLIC_URL", "")),
        )


def _public_url(url: str) -> str | None:
    """The server's address as people reach it, without a trailing slash."""
    url = url.strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")) or "?" in url or "#" in url:
        raise InvalidInput(
            f"MUSTER_PUBLIC_URL={url!r} is not a web address",
            hint="use the address people open, like https://muster.example.com",
            field="MUSTER_PUBLIC_URL",
        )
    return url


def _status_mail(url: str) -> str | None:
    """The Apprise mail URL that customer updates go out through to status-page subscribers."""
    url = url.strip()
    if not url:
        return None
    if not url.startswith(("mailto://", "mailtos://")):
        raise InvalidInput(
            f"MUSTER_STATUS_MAIL={url!r} is not a mail URL",
            hint="use mailto://user:password@smtp.example.com:587?from=status@example.com "
            "(mailtos:// for TLS); each subscriber is added as `to=`",
            field="MUSTER_STATUS_MAIL",
        )
    return url


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
