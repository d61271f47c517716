"""The programme file's `[funding_statement]`: emblem, period and text."""

import pytest
from django.utils import translation

from grannar.programmes.loader import ProgrammeFileError
from grannar.programmes.models import FundingStatement, Programme
from grannar.programmes.services import programme_load
from tests.programmes.test_loader import MINIMAL

pytestmark = pytest.mark.django_db


def load(table: str) -> Programme:
    return programme_load(text=MINIMAL + table).programme


def problems(table: str, *, before: str = "") -> list[str]:
    with translation.override("en"), pytest.raises(ProgrammeFileError) as error:
        programme_load(text=before + MINIMAL + table)
    assert not Programme.objects.filter(code="test-prog").exists()
    return error.value.problems


def test_reference_programme_carries_the_esf_2014_2020_statement(programme):
    assert programme.funding_emblem == "eu"
    assert programme.funding_period == "2014-2020"
    assert programme.funding_statement == FundingStatement(
        text="Europeiska unionen, Europeiska socialfonden", eu_emblem=True
    )


def test_without_the_table_there_is_no_statement():
    programme = load("")
    assert programme.funding_statement is None
    assert programme.funding_emblem == "none"


def test_the_2021_2027_period_gives_its_wording_and_the_emblem_by_default():
    programme = load('\n[funding_statement]\nperiod = "2021-2027"\n')
    assert programme.funding_statement == FundingStatement(
        text="Medfinansieras av Europeiska unionen", eu_emblem=True
    )


def test_own_text_and_no_emblem():
    programme = load(
        '\n[funding_statement]\nemblem = "none"\ntext = """  Med stöd av\n Allmänna arvsfonden """\n'
    )
    assert programme.funding_statement == FundingStatement(
        text="Med stöd av Allmänna arvsfonden", eu_emblem=False
    )
    assert programme.funding_period == ""


def test_an_edited_file_updates_the_statement_in_place():
    first = load('\n[funding_statement]\nperiod = "2014-2020"\n')
    second = load("")
    assert second.pk == first.pk
    assert second.funding_statement is None


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'emblem = "flag"\nperiod = "2021-2027"',
            "funding_statement.emblem: flag is not one of eu, none",
        ),
        (
            'period = "2028-2034"',
            "funding_statement.period: 2028-2034 is not one of 2014-2020, 2021-2027",
        ),
        ('text = "  "', "funding_statement.text: must not be empty"),
        ('emblem = "eu"', "funding_statement: give period or text"),
        ("period = 2021", "funding_statement.period: must be text"),
        ('period = "2021-2027"\nlogo = "eu"', "funding_statement.logo: unknown key"),
        (f'text = "{"x" * 301}"', "funding_statement.text: at most 300 characters"),
    ],
)
def test_refusals_name_the_key(table, expected):
    assert expected in problems(f"\n[funding_statement]\n{table}\n")


def test_not_a_table_is_refused():
    assert "funding_statement: must be a table" in problems("", before='funding_statement = "eu"\n')


def test_refusals_are_in_swedish_by_default():
    with translation.override("sv"), pytest.raises(ProgrammeFileError) as error:
        load('\n[funding_statement]\nemblem = "flag"\nperiod = "2021-2027"\n')
    assert "funding_statement.emblem: flag är inte ett av eu, none" in error.value.problems
