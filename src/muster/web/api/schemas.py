"""Request bodies of the JSON API. Unknown fields are refused, so typos do not pass silently."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareIn(Body):
    title: str = Field(max_length=200)
    severity: str
    services: list[str] = []
    impact: str = ""
    at: str | None = Field(None, description="when detected: HH:MM, '10m ago' or ISO 8601")
    drill: bool = False
    private: bool = False


class MilestoneIn(Body):
    milestone: str
    at: str | None = None


class SeverityIn(Body):
    severity: str
    why: str


class ImpactIn(Body):
    impact: str
    at: str | None = None


class HandoffIn(Body):
    to: str
    reason: str = ""


class EntryIn(Body):
    text: str
    kind: str = "note"
    at: str | None = None
    amends: int | None = Field(None, ge=1, description="seq of the entry this one corrects")


class DecisionIn(Body):
    decision: str
    why: str
    at: str | None = None


class TaskIn(Body):
    title: str
    owner: str | None = None


class FreezeIn(Body):
    service: str | None = None
    why: str


class PlanIn(Body):
    source: str = Field(description="the plan file's YAML text")


class PlanOut(BaseModel):
    version: int
    changed: bool
    warnings: list[str]
    source: str = ""


class WhoAmI(BaseModel):
    handle: str
    admin: bool


class Created(BaseModel):
    ref: str
    warnings: list[str] = []
