"""The tables, in SQLAlchemy Core with portable types only. Alembic migrations mirror them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from muster.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

plan_versions = Table(
    "plan_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("applied_by", String(64), nullable=False),
)

# Named counters bumped under a row lock: gap-free incident numbers on any database.
counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("severity", String(32), nullable=False),
    Column("impact", Text, nullable=False, default=""),
    Column("drill", Boolean, nullable=False, default=False),
    Column("private", Boolean, nullable=False, default=False),
    Column("plan_version", Integer, ForeignKey("plan_versions.version"), nullable=False),
    Column("declared_by", String(64), nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    # The last timeline sequence number; bumped under the incident's row lock so entries
    # are numbered without gaps in the order they were recorded.
    Column("last_seq", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime),
    Column("detected_at", UTCDateTime),
    Column("acknowledged_at", UTCDateTime),
    Column("identified_at", UTCDateTime),
    Column("mitigated_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("reviewed_at", UTCDateTime),
)
Index("ix_incidents_resolved_at", incidents.c.resolved_at)

incident_services = Table(
    "incident_services",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("service", String(64), primary_key=True),
)

incident_roles = Table(
    "incident_roles",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("holder", String(64)),  # None: the commander wears this hat
    Column("backup", String(64)),
    Column("pending_to", String(64)),
    Column("pending_by", String(64)),
    Column("pending_reason", Text),
    Column("pending_since", UTCDateTime),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("amends", Integer),  # seq of the entry this one corrects
    UniqueConstraint("incident_id", "seq", name="uq_timeline_entries_incident_seq"),
)
Index(
    "ix_timeline_entries_incident_occurred",
    timeline_entries.c.incident_id,
    timeline_entries.c.occurred_at,
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("owner", String(64)),
    Column("done_at", UTCDateTime),
    Column("done_by", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "number", name="uq_tasks_incident_number"),
)

freezes = Table(
    "freezes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service", String(64)),  # None: every service
    Column("reason", Text, nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id")),
    Column("started_at", UTCDateTime, nullable=False),
    Column("started_by", String(64), nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(64)),
)
Index("ix_freezes_ended_at", freezes.c.ended_at)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(64), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False, default=""),
    Column("admin", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

# Communications ----------------------------------------------------------------------------

updates = Table(
    "updates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("track", String(16), nullable=False),  # internal | customer
    Column("status", String(16)),  # customer track: investigating, identified, monitoring...
    Column("text", Text, nullable=False),
    Column("template", String(64)),
    Column("author", String(64), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("next_update_at", UTCDateTime),  # None only for the final, resolved update
    Column("seq", Integer, nullable=False),  # its timeline entry
    UniqueConstraint("incident_id", "number", name="uq_updates_incident_number"),
)
Index("ix_updates_incident_track", updates.c.incident_id, updates.c.track, updates.c.posted_at)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_by", String(64), nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # open, forwarded, answered, merged
    Column("answer", Text),
    Column("answered_by", String(64)),
    Column("answered_at", UTCDateTime),
    Column("merged_into", Integer),  # number of the earlier question
    Column("forwarded_to", String(64)),
    Column("forwarded_at", UTCDateTime),
    UniqueConstraint("incident_id", "number", name="uq_questions_incident_number"),
)

# One row per reminder sent: the unique key is what stops two schedulers reminding twice.
reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("track", String(16), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("level", String(16), nullable=False),  # due | overdue
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "track", "due_at", "level", name="uq_reminders_once"),
)

# Notifications, stored in the transaction of the change that causes them and delivered
# later by a worker. `key` is unique: the same message is never queued twice for the same
# destination, and it travels with the message so a receiver can drop a repeat.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("event", String(32), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id")),
    Column("recipient", String(320), nullable=False),  # a handle, a channel or an email
    Column("destination", Text, nullable=False),  # an Apprise URL
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    Column("failed_at", UTCDateTime),  # given up: permanent error or out of retries
    Column("last_error", Text),
)
Index("ix_outbox_pending", outbox.c.delivered_at, outbox.c.failed_at, outbox.c.next_attempt_at)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("worker", String(64), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
)
Index("ix_delivery_attempts_outbox", delivery_attempts.c.outbox_id)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("unsubscribed_at", UTCDateTime),
)

# --- web sign-in (issue 4): migration 0003 ---

# One password per plan person, as an argon2 hash (the hash string carries its parameters).
credentials = Table(
    "credentials",
    metadata,
    Column("handle", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

# Web sessions live here, not in the cookie, so signing out or changing a password ends them
# at once. The cookie carries a random token; only its SHA-256 is stored.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("handle", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # created_at + the absolute lifetime
)
Index("ix_web_sessions_handle", web_sessions.c.handle)

# --- alerts (issue 5): migration 0004 ---

# One secret per integration of the plan, made by the server (never in the plan file).
integration_secrets = Table(
    "integration_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("secret", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Alerts that belong together: Alertmanager's group key, or one service within a window.
# At most one group per (integration, key) is open: the partial unique index makes two
# requests racing to open it agree on one.
alert_groups = Table(
    "alert_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("integration", String(64), nullable=False),
    Column("key", String(1000), nullable=False),
    Column("title", String(200), nullable=False),
    Column("service", String(64)),
    Column("severity", String(32)),  # None: no route matched (unrouted)
    Column("incident_id", Integer, ForeignKey("incidents.id")),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("last_received_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
)
Index(
    "uq_alert_groups_open",
    alert_groups.c.integration,
    alert_groups.c.key,
    unique=True,
    sqlite_where=alert_groups.c.closed_at.is_(None),
    postgresql_where=alert_groups.c.closed_at.is_(None),
)

# Each alert once per integration, by fingerprint: a repeat updates its row.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("integration", String(64), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("group_id", Integer, ForeignKey("alert_groups.id"), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id")),
    Column("status", String(16), nullable=False),  # firing | resolved
    Column("name", String(200), nullable=False),
    Column("service", String(64)),
    Column("severity", String(32)),
    Column("labels", JSON, nullable=False),
    Column("annotations", JSON, nullable=False),
    Column("url", Text, nullable=False),
    Column("starts_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("first_received_at", UTCDateTime, nullable=False),
    Column("last_received_at", UTCDateTime, nullable=False),
    Column("received", Integer, nullable=False),  # how many times it arrived
    # Fingerprint first: the batch's lookup (`fingerprint IN (...)`) uses the index even
    # while the planner's statistics are stale, as they are in a storm on a new table.
    UniqueConstraint("fingerprint", "integration", name="uq_alerts_fingerprint_integration"),
)
Index("ix_alerts_group", alerts.c.group_id)
Index("ix_alerts_incident_status", alerts.c.incident_id, alerts.c.status)

# --- paging, on-call overrides, deploys (issue 5): migration 0005 ---

# One row per person paged by one escalation step of one incident. The unique key is what
# keeps a step from paging twice, however many alerts or workers race to it. Only the
# SHA-256 of the acknowledgement link's token is stored; the link itself is in the message.
pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("person", String(64), nullable=False),
    Column("reason", String(64), nullable=False),  # commander, fixer-backup, or named
    Column("created_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),  # later than created: waits for work hours
    Column("sent_at", UTCDateTime),
    Column("token_digest", String(64), unique=True),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(64)),
    UniqueConstraint("incident_id", "step", "person", name="uq_pages_incident_step_person"),
)
Index("ix_pages_sent_at", pages.c.sent_at)

# Someone on call for a role from one instant until another, over the plan's schedule.
overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("handle", String(64), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime),
    Column("cancelled_by", String(64)),
)
Index("ix_overrides_ends_at", overrides.c.ends_at)

# Read-only secrets for calendar feeds (calendar apps cannot send headers, so the secret is
# in the URL): one per person, replaced when made again; only its SHA-256 is stored.
calendar_tokens = Table(
    "calendar_tokens",
    metadata,
    Column("handle", String(64), primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

deploys = Table(
    "deploys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service", String(64), nullable=False),
    Column("version", String(200), nullable=False),
    Column("deployed_by", String(64)),  # a plan handle, or whatever the pipeline calls itself
    Column("deployed_at", UTCDateTime, nullable=False),
    Column("rollback", Boolean, nullable=False, default=False),
    Column("url", Text),
    Column("notes", Text),
    Column("frozen", Boolean, nullable=False, default=False),  # shipped during a freeze
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)
Index("ix_deploys_service_at", deploys.c.service, deploys.c.deployed_at)
