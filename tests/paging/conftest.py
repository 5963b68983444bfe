"""Fixtures of the paging tests (defined in `pagingkit`, beside the helpers they use;
`receiver` and `mailbox` come from tests/conftest.py)."""

from paging.pagingkit import paged

__all__ = ["paged"]
