"""The one way a row is changed "only if it is still as I saw it": a conditional UPDATE in one statement.

Of two requests racing (a double click, a second tab), only one statement finds the row still matching its
guards, so only that request goes on to score, announce or audit; the other learns it was second.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db


def guarded_update(row, *guards, **values) -> bool:
    """Set `values` on `row` (a mapped object with an `id`) while every guard holds; True if this call changed it.

    The session's copy of `row` is not updated: callers refresh it when they read it again."""
    model = type(row)
    statement = sa.update(model).where(model.id == row.id, *guards).values(**values)
    statement = statement.execution_options(synchronize_session=False)
    return db.session.execute(statement).rowcount == 1
