"""Store errors: each message names the database and says what to do about it."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked; the message is fit to show an operator."""


class NotFoundError(StoreError):
    """A case, report, nudge or incident id that does not exist."""


class StateError(StoreError):
    """An operation that the record's current state forbids (e.g. resolving a resolved case)."""


class ForbiddenError(StoreError):
    """Someone other than the designated moderator asked for a reporter's identity."""


class StoreUnavailableError(StoreError):
    """The database refuses work for now (locked by another process, disk full, read-only).

    Nothing was written: the transaction was rolled back. The same call may succeed later.
    """
