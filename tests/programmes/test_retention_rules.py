import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from grannar.programmes.loader import ProgrammeFileError
from grannar.programmes.models import Programme
from grannar.programmes.retention import DATA_KINDS, Rule, rule, rules
from grannar.programmes.services import programme_load
from tests.programmes.test_loader import MINIMAL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _entry(data='"attestations"', keep_years="10", decision='"GR 2026:12 §4"') -> str:
    return f"\n[[retention]]\ndata = {data}\nkeep_years = {keep_years}\ndecision = {decision}\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(ProgrammeFileError) as caught:
        programme_load(text=text)
    return caught.value.problems


def test_reference_programme_keeps_esf_evidence_ten_years(programme):
    found = {r.data: r for r in rules(programme)}
    assert set(found) == set(DATA_KINDS)
    evidence = found["attendance_evidence"]
    assert evidence == Rule("attendance_evidence", 10, "GR 2016:12 §1", "programme_end")
    # The programme ends 2018-12-31: kept until 31 December of the tenth year after.
    assert evidence.keep_until(programme.ends) == dt.date(2028, 12, 31)
    assert not evidence.due(programme.ends, dt.date(2028, 12, 31))
    assert evidence.due(programme.ends, dt.date(2029, 1, 1))
    assert found["attestations"].keep_years == 10
    assert found["accounts"].after == "last_sign_in"
    assert all(r.decision for r in found.values())


def test_rules_load_reload_and_disappear():
    programme = programme_load(text=MINIMAL + _entry()).programme
    assert rules(programme) == [Rule("attestations", 10, "GR 2026:12 §4", "programme_end")]
    assert rule(programme, "attestations").keep_years == 10
    assert rule(programme, "accounts") is None
    again = programme_load(text=MINIMAL + _entry())
    assert not again.changed
    programme = programme_load(text=MINIMAL + _entry(keep_years="7")).programme
    assert rule(programme, "attestations").keep_years == 7
    programme = programme_load(text=MINIMAL).programme
    assert rules(programme) == []


def test_rule_for_unknown_kind_is_a_programming_error(programme):
    with pytest.raises(ValueError, match="shoe_sizes"):
        rule(programme, "shoe_sizes")


def test_decision_whitespace_is_collapsed():
    programme = programme_load(text=MINIMAL + _entry(decision='"  GR 2026:12\\n §4 "')).programme
    assert rule(programme, "attestations").decision == "GR 2026:12 §4"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry(data='"shoe_sizes"'), "retention[1].data: unknown kind of data shoe_sizes"),
        (_entry(keep_years="-1"), "retention[1].keep_years: must be from 0 to 100 years"),
        (_entry(keep_years="2.5"), "retention[1].keep_years: must be an integer"),
        (_entry(keep_years="true"), "retention[1].keep_years: must be an integer"),
        (_entry(decision='"  "'), "retention[1].decision: give the disposal decision's reference"),
        (
            '\n[[retention]]\ndata = "attestations"\nkeep_years = 10\n',
            "retention[1].decision: missing required key",
        ),
        (_entry() + "extra = 1\n", "retention[1].extra: unknown key"),
        (_entry() + _entry(), "retention[2].data: attestations already has a rule (retention[1])"),
        ('\nretention = "forever"\n', "retention: must be an array of tables ([[retention]])"),
    ],
)
def test_bad_rules_are_refused_naming_the_entry(entry, message):
    # A bare key belongs before the first table, where TOML reads it as top-level.
    text = entry + MINIMAL if entry.startswith("\nretention =") else MINIMAL + entry
    problems = _problems(text)
    assert any(problem.startswith(message) for problem in problems), problems


def test_a_bad_rule_writes_nothing():
    _problems(MINIMAL + _entry() + _entry(data='"nope"'))
    assert not Programme.objects.filter(code="test-prog").exists()


def test_command_names_the_file_and_the_entry(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL + _entry(keep_years="-3"), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("load_programme", str(path))
    assert str(path) in str(caught.value)
    assert "retention[1].keep_years" in str(caught.value)
