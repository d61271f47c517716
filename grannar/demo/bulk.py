"""Raw bulk inserts for the demo at national scale: a million rows through the ORM's
bulk_create spend most of their time preparing values in Python, so rows go in as plain tuples
(COPY on PostgreSQL, one executemany on SQLite). No model code, no signals: only for demo
data, whose rows are written exactly as the services would leave them."""

from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, transaction


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert `rows` (tuples in the order of `columns`, values the driver adapts itself:
    numbers, text, booleans, decimals, None; datetimes prepared with `db_datetime`).
    With `ignore_conflicts` a row that breaks a unique constraint is left out."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            target = table
            if ignore_conflicts:
                target = f"{table}_load"
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {quote(target)} ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {names} FROM {quote(table)} WITH NO DATA"
                )
            with cursor.cursor.copy(f"COPY {quote(target)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if ignore_conflicts:
                cursor.execute(
                    f"INSERT INTO {quote(table)} ({names}) "  # noqa: S608 - our own names
                    f"SELECT {names} FROM {quote(target)} ON CONFLICT DO NOTHING"
                )
                cursor.execute(f"DROP TABLE {quote(target)}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks}){conflict}",  # noqa: S608
                rows,
            )


def db_datetime(value):
    """An aware datetime as the database column takes it (SQLite keeps UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def next_id(model) -> int:
    """The first id after the model's rows: ids are given explicitly so that rows written in
    bulk can be referred to before they are read back."""
    last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*models) -> None:
    """After explicit ids, the next row the database numbers itself comes after them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def analyze(*models) -> None:
    """Fresh planner statistics for tables that just took many rows: without them the
    database plans as if they were still nearly empty."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
