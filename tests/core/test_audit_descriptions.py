"""Every action code the product writes has a readable description on the audit-log page."""

import ast
from pathlib import Path

from django.utils import translation

from grannar.core.audit import ACTION_DESCRIPTIONS, action_description
from grannar.evaluation.models import Survey
from grannar.reporting.esf import EXPORTS
from grannar.reporting.management.commands.report import FORMATS
from grannar.training.models import Registration

SOURCE = Path(__file__).resolve().parents[2] / "grannar"

# Codes built at run time: the template as written in the source → the codes it can make.
BUILT = {
    "evaluation.survey.{status}": {f"evaluation.survey.{s}" for s in Survey.Status.values},
    "reporting.esf_{kind}.exported": {f"reporting.esf_{kind}.exported" for kind in EXPORTS},
    "reporting.{kind}.made": {f"reporting.{kind}.made" for kind in FORMATS},
    "training.registration.{registration.status}": {
        f"training.registration.{s}"
        for s in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
    },
    "training.attendance.{'present' if present else 'absent'}": {
        "training.attendance.present",
        "training.attendance.absent",
    },
}


def written_codes() -> tuple[set[str], list[str]]:
    """The action codes of every `log_action(action=...)` call, and the calls not understood."""
    codes: set[str] = set()
    unknown: list[str] = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", "")
            if name == "_log":
                # An app's own wrapper of log_action takes the full code as its first argument.
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.add(first.value)
                else:
                    unknown.append(f"{path.name}:{node.lineno}")
                continue
            if name != "log_action":
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                if isinstance(keyword.value, ast.Name) and keyword.value.id == "action":
                    break  # the body of a `_log` wrapper: its callers are read above
                found = False
                for part in ast.walk(keyword.value):
                    if isinstance(part, ast.JoinedStr):
                        template = ast.get_source_segment(path.read_text(), part)[2:-1]
                        if template in BUILT:
                            codes |= BUILT[template]
                        else:
                            unknown.append(f"{path.name}: {template}")
                        found = True
                        break
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        codes.add(part.value)
                        found = True
                if not found:
                    unknown.append(f"{path.name}:{node.lineno}")
    return codes, unknown


def test_the_search_finds_the_codes_the_product_writes():
    codes, unknown = written_codes()
    assert not unknown, unknown
    assert {
        "training.registration.waitlisted",
        "site.site_page.changed",
        "evaluation.survey.closed",
        "core.audit_log.exported",
    } <= codes
    assert len(codes) > 40


def test_every_written_action_code_has_a_description():
    codes, _unknown = written_codes()
    missing = sorted(codes - set(ACTION_DESCRIPTIONS))
    assert not missing, missing


def test_descriptions_are_swedish_and_fall_back_to_the_code():
    with translation.override("sv"):
        assert action_description("training.registration.waitlisted") == (
            "Anmälan placerad på reservlistan"
        )
        assert action_description("no.such.code") == "no.such.code"
