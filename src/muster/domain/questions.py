"""The question buffer's rules: who may work the queue, and which questions look alike.

Stakeholders ask; the communicator answers, merges a duplicate into an earlier question, or
forwards it to the fixer, who sees only what was forwarded. That is how the fixer keeps the
quiet the seed article asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class QuestionState(StrEnum):
    open = "open"
    forwarded = "forwarded"  # waiting for the fixer
    answered = "answered"
    merged = "merged"  # a duplicate of an earlier question, answered with it


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "that",
        "the",
        "their",
        "there",
        "this",
        "to",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "any",
        "update",
        "yet",
        "know",
    ]
)

#: Two questions sharing this share of their meaningful words are offered as duplicates.
LIKENESS = 0.5


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def likeness(a: str, b: str) -> float:
    """Jaccard overlap of the meaningful words of two questions, 0 to 1."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def likely_duplicates(text: str, earlier: Iterable[tuple[int, str]]) -> list[int]:
    """Numbers of earlier questions that look like `text`, most alike first."""
    scored = [(likeness(text, other), number) for number, other in earlier]
    return [number for score, number in sorted(scored, reverse=True) if score >= LIKENESS]
