"""Deploys posted by CI/CD pipelines. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from muster.storage.tables import deploys


def add_deploy(conn: Connection, **values: Any) -> Row[Any]:
    """Store a deploy; returns its row."""
    return conn.execute(insert(deploys).values(**values).returning(deploys)).one()


def recent(
    conn: Connection, services: Sequence[str], since: datetime, until: datetime
) -> list[Row[Any]]:
    """Deploys of `services` in [`since`, `until`], newest first."""
    if not services:
        return []
    query = select(deploys).where(
        deploys.c.service.in_(list(services)),
        deploys.c.deployed_at >= since,
        deploys.c.deployed_at <= until,
    )
    return list(conn.execute(query.order_by(deploys.c.deployed_at.desc(), deploys.c.id.desc())))


def listing(conn: Connection, service: str | None, limit: int) -> list[Row[Any]]:
    """The latest deploys, newest first, of one service or of all."""
    query = select(deploys)
    if service is not None:
        query = query.where(deploys.c.service == service)
    order = (deploys.c.deployed_at.desc(), deploys.c.id.desc())
    return list(conn.execute(query.order_by(*order).limit(limit)))
