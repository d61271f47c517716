from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from grannar.core.models import AuditEvent
from grannar.programmes.loader import ProgrammeFileError
from grannar.programmes.models import (
    Membership,
    Municipality,
    Programme,
    ProgrammeCategory,
    StaffCategory,
    SubGoal,
)
from grannar.programmes.services import programme_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English here; the Swedish ones are checked separately."""
    with translation.override("en"):
        yield


MINIMAL = """
[programme]
code = "test-prog"
name = "Testprogram"
owner = "Regionen"
starts = 2020-01-01
ends = 2021-12-31
target_participants = 50

[cofinancing]
hourly_rate_sek = 250

[[subgoal]]
number = 1
title = "Ett"

[[sector]]
code = "skola"
name = "Skola"

[[staff_category]]
code = "larare"
name = "Lärare"
sector = "skola"
hourly_rate_sek = 400

[[municipality]]
name = "Kommun A"
code = "9001"
participates = true
"""


def snapshot() -> dict:
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in (
            Programme,
            SubGoal,
            StaffCategory,
            ProgrammeCategory,
            Municipality,
            Membership,
        )
    }


def test_reference_file_loads_with_its_facts(programme):
    assert programme.code == "nya-grannar"
    assert programme.target_participants == 1100
    assert programme.subgoals.count() == 3
    assert programme.programme_categories.count() == 6
    memberships = {
        m.municipality.code: m for m in programme.memberships.select_related("municipality")
    }
    assert len(memberships) == 13
    assert sum(m.participates and not m.left_early for m in memberships.values()) == 10
    assert memberships["1407"].left_early
    assert memberships["1407"].status == "left_early"
    assert memberships["1440"].status == "outside"
    assert memberships["1480"].joined == programme.starts


def test_loading_the_same_file_twice_changes_nothing(reference_file):
    text = reference_file.read_text()
    first = programme_load(text=text)
    assert first.changed
    before, events = snapshot(), AuditEvent.objects.count()
    second = programme_load(text=text)
    assert not second.changed
    assert second.changes["created"] == second.changes["updated"] == 0
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_an_edited_file_updates_in_place():
    programme_load(text=MINIMAL)
    edited = MINIMAL.replace("target_participants = 50", "target_participants = 75")
    edited += '\n[[municipality]]\nname = "Kommun B"\ncode = "9002"\nparticipates = true\n'
    result = programme_load(text=edited)
    assert result.changes["updated"] == 1
    assert result.changes["created"] == 2  # municipality and membership
    programme = Programme.objects.get(code="test-prog")
    assert programme.target_participants == 75
    assert Programme.objects.count() == 1
    assert programme.memberships.count() == 2


def test_category_rates_and_default_rate():
    programme = programme_load(text=MINIMAL).programme
    assert str(programme.default_hourly_rate_sek) == "250.00"
    assert str(programme.programme_categories.get().hourly_rate_sek) == "400.00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('sector = "skola"\nhourly', 'sector = "vard"\nhourly'),
            "staff_category[1].sector: unknown sector vard",
        ),
        (('code = "test-prog"\n', ""), "programme.code: missing required key"),
        (
            ("target_participants = 50", 'target_participants = "many"'),
            "programme.target_participants: must be",
        ),
        (("target_participants = 50", "target_participants = 0"), "must be greater than 0"),
        (("ends = 2021-12-31", "ends = 2019-12-31"), "programme.ends: must not be before"),
        (('code = "9001"', 'code = "901"'), "municipality[1].code: 901 is not a four-digit"),
        (
            ("participates = true", "participates = true\ncolour = 1"),
            "municipality[1].colour: unknown key",
        ),
        (("[[subgoal]]", "[[goal]]"), "goal: unknown table"),
        (("[[sector]]", "[[sector]]\n"), None),
        (
            ('title = "Ett"', "title = 'Ett'\n[[subgoal]]\nnumber = 1\ntitle = 'Två'"),
            "subgoal[2].number: duplicate 1",
        ),
        (("= 2020-01-01", "= 2020-01-01 ="), "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key_and_nothing_is_written(change, message):
    text = MINIMAL.replace(*change)
    if message is None:  # a harmless edit, as a control that the replacements apply
        programme_load(text=text)
        return
    with pytest.raises(ProgrammeFileError) as error:
        programme_load(text=text)
    assert any(message in problem for problem in error.value.problems), error.value.problems
    assert Programme.objects.count() == 0
    assert Municipality.objects.count() == 0


def test_duplicate_codes_are_all_reported():
    text = MINIMAL + (
        '\n[[municipality]]\nname = "Kommun A2"\ncode = "9001"\nparticipates = true\n'
        '\n[[staff_category]]\ncode = "larare"\nname = "Lärare 2"\nsector = "skola"\n'
    )
    with pytest.raises(ProgrammeFileError) as error:
        programme_load(text=text)
    problems = "\n".join(error.value.problems)
    assert "municipality[2].code: duplicate 9001" in problems
    assert "staff_category[2].code: duplicate larare" in problems


def test_a_failure_late_in_loading_rolls_everything_back(monkeypatch):
    from grannar.programmes import services

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "log_action", fail)
    with pytest.raises(RuntimeError):
        programme_load(text=MINIMAL)
    assert Programme.objects.count() == 0
    assert StaffCategory.objects.count() == 0


def test_command_loads_and_reports(tmp_path, capsys):
    path = tmp_path / "prog.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    call_command("load_programme", str(path))
    assert "Loaded test-prog" in capsys.readouterr().out
    call_command("load_programme", str(path))
    assert "nothing changed" in capsys.readouterr().out


def test_command_refuses_a_bad_file_with_every_problem(tmp_path):
    path = tmp_path / "prog.toml"
    path.write_text(MINIMAL.replace('sector = "skola"\nhourly', 'sector = "x"\nhourly'), "utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_programme", str(path))
    assert "nothing was written" in str(error.value)
    assert "staff_category[1].sector: unknown sector x" in str(error.value)


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_programme", str(tmp_path / "missing.toml"))


def test_problems_are_reported_in_swedish_by_default():
    with translation.override("sv"), pytest.raises(ProgrammeFileError) as error:
        programme_load(text=MINIMAL.replace('sector = "skola"\nhourly', 'sector = "x"\nhourly'))
    assert "staff_category[1].sector: okänd sektor x" in error.value.problems


TARGETS = MINIMAL.replace(
    "participates = true\n", "participates = true\ntarget = 30\nleft = 2021-03-31\n"
).replace("hourly_rate_sek = 400\n", "hourly_rate_sek = 400\ntarget = 20\n") + (
    '\n[[municipality]]\nname = "Kommun B"\ncode = "9002"\nparticipates = false\n'
    "\n[targets]\ngender = { kvinna = 0.7, man = 0.3 }\n"
)


def test_targets_and_leaving_date_are_loaded_and_reloading_changes_nothing():
    programme = programme_load(text=TARGETS).programme
    membership = programme.memberships.get(municipality__code="9001")
    assert membership.target == 30
    assert membership.left.isoformat() == "2021-03-31"
    assert programme.memberships.get(municipality__code="9002").target is None
    assert programme.programme_categories.get().target == 20
    assert programme.gender_target == {"kvinna": 0.7, "man": 0.3}
    before = snapshot()
    assert not programme_load(text=TARGETS).changed
    assert snapshot() == before


def test_removing_targets_from_the_file_removes_them():
    programme_load(text=TARGETS)
    programme = programme_load(text=MINIMAL).programme
    membership = programme.memberships.get(municipality__code="9001")
    assert membership.target is None
    assert membership.left is None
    assert programme.programme_categories.get().target is None
    assert programme.gender_target == {}


def test_reference_file_plans_the_gender_split_of_its_application(programme):
    assert programme.gender_target == {"kvinna": 0.75, "man": 0.25}
    assert not programme.memberships.filter(target__isnull=False).exists()
    assert programme.memberships.get(municipality__code="1407").left is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("target = 30", "target = 0"), "municipality[1].target: must be greater than 0"),
        (("target = 30", 'target = "30"'), "municipality[1].target: must be an integer"),
        (("target = 20", "target = -2"), "staff_category[1].target: must be greater than 0"),
        (
            ("participates = false", "participates = false\ntarget = 5"),
            "municipality[2].target: only a participating municipality has a target",
        ),
        (
            ("left = 2021-03-31", "left = 2022-01-01"),
            "municipality[1].left: 2022-01-01 is outside the programme period",
        ),
        (
            ("left = 2021-03-31", "left = 2020-05-01\njoined = 2020-06-01"),
            "municipality[1].left: 2020-05-01 is before joined",
        ),
        (
            ("participates = false", "participates = false\nleft = 2021-01-01"),
            "municipality[2].left: only a participating municipality can leave",
        ),
        (("man = 0.3", "man = 0.2"), "targets.gender: the shares add up to 0.9, not 1"),
        (("man = 0.3", "male = 0.3"), "targets.gender.male: unknown gender"),
        (
            ("kvinna = 0.7, man = 0.3", 'kvinna = 1.7, man = "-0.7"'),
            "targets.gender.kvinna: must be a share between 0 and 1",
        ),
        (("kvinna = 0.7, man = 0.3", "man = true"), "targets.gender.man: must be a share"),
        (("gender = { kvinna = 0.7, man = 0.3 }", "gender = {}"), "targets.gender: must give"),
        (("gender = {", "routines = 3\ngender = {"), "targets.routines: unknown key"),
        (("gender = { kvinna = 0.7, man = 0.3 }", 'gender = "70/30"'), "targets.gender: must be"),
        (("man = 0.3", "man = 0.3, annat = 0"), None),
    ],
)
def test_bad_targets_are_refused_whole_naming_the_key(change, message):
    text = TARGETS.replace(*change)
    assert text != TARGETS
    if message is None:  # a valid edit, as a control
        programme_load(text=text)
        return
    with pytest.raises(ProgrammeFileError) as error:
        programme_load(text=text)
    assert any(message in problem for problem in error.value.problems), error.value.problems
    assert Programme.objects.count() == 0
    assert Municipality.objects.count() == 0


def test_target_problems_are_reported_in_swedish_by_default():
    with translation.override("sv"), pytest.raises(ProgrammeFileError) as error:
        programme_load(text=TARGETS.replace("man = 0.3", "man = 0.2"))
    assert error.value.problems == ["targets.gender: andelarna blir tillsammans 0.9, inte 1"]


COLLABORATION = TARGETS.replace(
    "[targets]\n", "[targets]\npilot_workshops = 2\nroutines_adopted = 5\nplan_coverage = 0.4\n"
) + ("\n[collaboration]\nfollow_up_months = 9\n")


def test_collaboration_settings_load_and_default():
    programme = programme_load(text=COLLABORATION).programme
    assert programme.follow_up_months == 9
    assert programme.target_pilot_workshops == 2
    assert programme.target_routines_adopted == 5
    assert programme.target_plan_coverage == Decimal("0.400")
    assert not programme_load(text=COLLABORATION).changed
    programme = programme_load(text=MINIMAL).programme
    assert programme.follow_up_months == 6
    assert programme.target_pilot_workshops is None
    assert programme.target_plan_coverage is None


def test_reference_file_sets_a_workshop_per_municipality_and_six_months(programme):
    assert programme.target_pilot_workshops == 11
    assert programme.follow_up_months == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("follow_up_months = 9", "follow_up_months = 0"), "collaboration.follow_up_months"),
        (("follow_up_months = 9", "follow_up_months = 61"), "collaboration.follow_up_months"),
        (("follow_up_months = 9", "months = 9"), "collaboration.months: unknown key"),
        (("pilot_workshops = 2", "pilot_workshops = 0"), "targets.pilot_workshops: must be"),
        (("routines_adopted = 5", "routines_adopted = -1"), "targets.routines_adopted: must"),
        (("plan_coverage = 0.4", "plan_coverage = 1.5"), "targets.plan_coverage: must be"),
        (("plan_coverage = 0.4", "plan_coverage = 0"), "targets.plan_coverage: must be"),
        (("plan_coverage = 0.4", "plan_coverage = 1"), None),
    ],
)
def test_bad_collaboration_settings_are_refused_whole(change, message):
    text = COLLABORATION.replace(*change)
    assert text != COLLABORATION
    if message is None:
        programme_load(text=text)
        return
    with pytest.raises(ProgrammeFileError) as error:
        programme_load(text=text)
    assert any(message in problem for problem in error.value.problems), error.value.problems
    assert Programme.objects.count() == 0


def test_a_municipality_carries_its_organisation_number_written_either_way():
    text = MINIMAL.replace('code = "9001"', 'code = "9001"\norg_number = "2120001355"')
    programme_load(text=text)
    assert Municipality.objects.get(code="9001").organisation_number == "212000-1355"
    assert programme_load(text=text).changes["updated"] == 0


def test_a_number_set_in_the_product_stays_when_the_file_gives_none():
    programme_load(text=MINIMAL)
    Municipality.objects.filter(code="9001").update(organisation_number="212000-1256")
    programme_load(text=MINIMAL)
    assert Municipality.objects.get(code="9001").organisation_number == "212000-1256"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("212000-1356", "212000-1356 is not a valid organisation number: check the last digit."),
        (
            "21200-1355",
            "An organisation number has ten digits: NNNNNN-NNNN, for example 212000-1355.",
        ),
        (
            "212000-13a5",
            "An organisation number has ten digits: NNNNNN-NNNN, for example 212000-1355.",
        ),
        ("", "An organisation number has ten digits: NNNNNN-NNNN, for example 212000-1355."),
    ],
)
def test_a_bad_organisation_number_is_refused_naming_the_key(number, message):
    text = MINIMAL.replace('code = "9001"', f'code = "9001"\norg_number = "{number}"')
    with pytest.raises(ProgrammeFileError) as error:
        programme_load(text=text)
    assert error.value.problems == [f"municipality[1].org_number: {message}"]
    assert Municipality.objects.count() == 0


def test_the_reference_file_gives_goteborgs_organisation_number(programme):
    assert Municipality.objects.get(code="1480").organisation_number == "212000-1355"
