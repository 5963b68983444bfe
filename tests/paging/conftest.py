"""Fixtures of the paging tests (defined in `pagingkit`, beside the helpers they use)."""

from paging.pagingkit import mailbox, paged, receiver

__all__ = ["mailbox", "paged", "receiver"]
