"""Request bodies of the JSON API. Unknown fields are refused, so typos do not pass silently."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Limits that keep one request from filling the database or the page. The plan file is
# checked for size by the action itself.
Name = Annotated[str, Field(max_length=64)]
Line = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
When = Annotated[str | None, Field(None, max_length=64, description="HH:MM, '10m ago' or ISO 8601")]
MAX_INT = 2**31 - 1


def _plain(value: Any, path: str) -> None:
    """Refuse NUL characters and lone surrogates: PostgreSQL and UTF-8 cannot store them."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path} contains a NUL character; remove it")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path} is not valid Unicode text; send UTF-8") from None
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _plain(item, f"{path}[{index}]")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _text_is_storable(self) -> Body:
        for name, value in self:
            _plain(value, name)
        return self


class DeclareIn(Body):
    title: Line
    severity: Name
    services: list[Name] = Field(default_factory=list, max_length=50)
    impact: Text = ""
    at: When = None
    drill: bool = False
    private: bool = False


class MilestoneIn(Body):
    milestone: Name
    at: When = None


class SeverityIn(Body):
    severity: Name
    why: Text


class ImpactIn(Body):
    impact: Text
    at: When = None


class HandoffIn(Body):
    to: Name
    reason: Text = ""


class EntryIn(Body):
    text: Text
    kind: Name = "note"
    at: When = None
    amends: int | None = Field(
        None, ge=1, le=MAX_INT, description="seq of the entry this one corrects"
    )


class DecisionIn(Body):
    decision: Name
    why: Text
    at: When = None


class TaskIn(Body):
    title: Text
    owner: Name | None = None


class FreezeIn(Body):
    service: Name | None = None
    why: Text


class PlanIn(Body):
    source: str = Field(description="the plan file's YAML text (at most 256 KB)")


class UpdateIn(Body):
    track: Name = Field(description="internal or customer")
    text: Text | None = None
    template: Name | None = Field(None, description="a template from the plan, instead of text")
    status: Name | None = Field(
        None, description="customer track: investigating, identified, monitoring or resolved"
    )
    next: When = Field(
        None,
        description="when the next update comes: 15m, 18:45 or ISO 8601; "
        "default: the severity's cadence",
    )
    preview: bool = Field(False, description="render and check, but post nothing")
    strict: bool = Field(False, description="refuse a customer update the guard flags")


class FindingOut(BaseModel):
    kind: str
    excerpt: str
    message: str


class UpdateOut(BaseModel):
    number: int | None  # None for a preview
    track: str
    status: str | None
    text: str
    next_update_at: datetime | None
    findings: list[FindingOut]
    queued: int  # messages queued for delivery


class QuestionIn(Body):
    text: Annotated[str, Field(max_length=2000)]


class AnswerIn(Body):
    text: Annotated[str, Field(max_length=4000)]


class MergeIn(Body):
    into: int = Field(ge=1, le=MAX_INT, description="the earlier question's number")


class AskedOut(BaseModel):
    number: int
    likely_duplicates: list[int]


class SubscriberIn(Body):
    email: Annotated[str, Field(max_length=320)]


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
