"""Plain bulk inserts and id lists as one parameter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grannar.core.bulk import id_list, insert_rows
from grannar.programmes.models import Municipality

pytestmark = pytest.mark.django_db


def test_rows_go_in_as_given_in_one_statement():
    with CaptureQueriesContext(connection) as captured:
        insert_rows(
            Municipality,
            ["code", "name", "organisation_number"],
            [("9901", "Ettby", ""), ("9902", "Tvåby", ""), ("9903", "Treby", "")],
        )
    assert len(captured.captured_queries) == 1
    assert dict(Municipality.objects.filter(code__startswith="99").values_list("code", "name")) == {
        "9901": "Ettby",
        "9902": "Tvåby",
        "9903": "Treby",
    }


def test_an_id_list_selects_exactly_its_ids_with_one_parameter():
    insert_rows(
        Municipality,
        ["code", "name", "organisation_number"],
        [(f"98{n:02}", f"By {n}", "") for n in range(30)],
    )
    ids = list(Municipality.objects.filter(code__startswith="98").values_list("pk", flat=True))
    chosen = ids[::3]
    found = Municipality.objects.filter(pk__in=id_list(chosen))
    _sql, params = found.query.sql_with_params()
    assert len(params) == 1
    assert sorted(found.values_list("pk", flat=True)) == sorted(chosen)
    assert not Municipality.objects.filter(pk__in=id_list([])).exists()


def test_thousands_of_ids_and_strings_of_digits_are_taken():
    many = [*range(1, 5001), "7"]
    assert (
        Municipality.objects.filter(pk__in=id_list(many)).count()
        == Municipality.objects.filter(pk__lte=5000).count()
    )


def test_anything_but_an_id_is_refused_before_the_database():
    with pytest.raises(ValueError, match="invalid literal"):
        id_list([1, "1; DROP TABLE x"])
