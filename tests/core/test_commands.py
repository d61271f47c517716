"""Commands print a refusal as plain text in the interface language and exit non-zero."""

import pytest
from django.core.management import load_command_class
from django.utils import translation


@pytest.mark.django_db
def test_a_refusal_prints_its_message_alone(capsys):
    command = load_command_class("grannar.reporting", "report")
    with translation.override("sv"), pytest.raises(SystemExit) as exit_:
        command.run_from_argv(
            ["grannar", "report", "summary", "--programme", "x", "--format", "json"]
        )
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err == "Det finns inget projekt med koden x.\n"


@pytest.mark.django_db
def test_traceback_option_still_raises_for_developers():
    from django.core.management.base import CommandError

    command = load_command_class("grannar.reporting", "report")
    with pytest.raises(CommandError):
        command.run_from_argv(
            ["grannar", "report", "summary", "--programme", "x", "--format", "json", "--traceback"]
        )
