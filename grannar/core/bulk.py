"""Plain bulk INSERTs and id lists for the writes that move many rows at once (imports,
rollups).

Django's `bulk_create` builds the SQL of every value of every object; for tens of thousands of
rows that is most of the time of the write. Here one statement goes to `executemany` with the
rows as plain tuples. No model code runs and no signals are sent, as with `bulk_create`; ids
are not returned, so callers read back what they need by a unique key.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.expressions import RawSQL


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """INSERT `rows`, tuples of values in database form in the order of `columns` (the
    model's column names)."""
    quote = connection.ops.quote_name
    # The names come from the model, the values are parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def id_list(ids: Iterable[int]) -> RawSQL:
    """Ids as one parameter for `field__in=`: given a plain list, the ORM prepares and binds
    each id on its own, which for thousands of ids costs more than running the query."""
    ids = [int(pk) for pk in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])
