"""Plain bulk INSERTs for the writes that move many rows at once (imports, rollups).

Django's `bulk_create` builds the SQL of every value of every object; for tens of thousands of
rows that is most of the time of the write. Here one statement goes to `executemany` with the
rows as plain tuples. No model code runs and no signals are sent, as with `bulk_create`; ids
are not returned, so callers read back what they need by a unique key.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


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
