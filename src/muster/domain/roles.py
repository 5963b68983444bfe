"""The three incident roles and the hats one person wears in one incident."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Commander decides, communicator speaks, fixer repairs. Order is the display order."""

    commander = "commander"
    communicator = "communicator"
    fixer = "fixer"
