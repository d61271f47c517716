"""Retention rules (gallringsbeslut): how long each kind of data is kept, from the programme file.

A rule keeps its data until the end of the calendar year `keep_years` after the year of its
starting point (the programme's end, or an account's last sign-in), as Swedish disposal
decisions count: "gallras N år efter utgången av det kalenderår då ...". The data falls due the
day after.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from grannar.programmes.models import Programme

After = Literal["programme_end", "last_sign_in"]

# Each kind of data a rule can name, with a short description for the documentation.
DATA_KINDS: dict[str, str] = {
    "attendance_evidence": (
        "Who attended which session: registrations and attendance with the participants' "
        "names, e-mail addresses, workplaces and personnummer, and the imported attendance files"
    ),
    "attestations": "Monthly attendance attestations the participants signed for the funder",
    "survey_answers": "Survey responses: the answers to a programme's surveys",
    "survey_free_text": "Free-text answers to a programme's surveys",
    "support_resource_outcomes": (
        "What support resources went on to (work, studies, ...) at the programme's end and "
        "at follow-up"
    ),
    "accounts": "Sign-in accounts (e-mail, password, two-step verification, roles)",
    "audit_log": "Audit log entries: who changed or disclosed what, and when",
}

# What the interface calls each kind.
LABELS = {
    "attendance_evidence": gettext_lazy("attendance evidence"),
    "attestations": gettext_lazy("monthly attestations"),
    "survey_answers": gettext_lazy("survey answers"),
    "survey_free_text": gettext_lazy("free-text survey answers"),
    "support_resource_outcomes": gettext_lazy("support resources' outcomes"),
    "accounts": gettext_lazy("accounts"),
    "audit_log": gettext_lazy("audit log"),
}

# The data a funder audits: while its rule runs, a person's identity must stay with it.
FUNDER_EVIDENCE = ("attendance_evidence", "attestations")

_REQUIRED = {"data": str, "keep_years": int, "decision": str}
DECISION_MAX = 100


@dataclass(frozen=True)
class Rule:
    """Keep `data` for `keep_years` calendar years after `after`, by disposal `decision`."""

    data: str
    keep_years: int
    decision: str
    after: After

    def keep_until(self, start: dt.date) -> dt.date:
        """The last day the data is kept when its starting point is `start`."""
        return dt.date(start.year + self.keep_years, 12, 31)

    def due(self, start: dt.date, today: dt.date) -> bool:
        """Whether data starting at `start` has fallen due for disposal on `today`."""
        return today > self.keep_until(start)

    def as_dict(self) -> dict[str, Any]:
        return {"data": self.data, "keep_years": self.keep_years, "decision": self.decision}


def _after(data: str) -> After:
    return "last_sign_in" if data == "accounts" else "programme_end"


def parse_rules(rows: Any, problems: list[str]) -> list[dict[str, Any]]:
    """Check `[[retention]]` entries; append what is wrong to `problems`, naming the entry."""
    if rows is None:
        return []
    if not isinstance(rows, list):
        problems.append(_("retention: must be an array of tables ([[retention]])"))
        return []
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        where = f"retention[{index}]"
        if not isinstance(row, dict):
            problems.append(_("%(where)s: must be a table") % {"where": where})
            continue
        before = len(problems)
        for key in row:
            if key not in _REQUIRED:
                problems.append(_("%(where)s.%(key)s: unknown key") % {"where": where, "key": key})
        for key, kind in _REQUIRED.items():
            value = row.get(key)
            if value is None:
                problems.append(
                    _("%(where)s.%(key)s: missing required key") % {"where": where, "key": key}
                )
            elif isinstance(value, bool) or not isinstance(value, kind):
                problems.append(
                    _("%(where)s.%(key)s: must be %(type)s")
                    % {
                        "where": where,
                        "key": key,
                        "type": _("an integer") if kind is int else _("text"),
                    }
                )
        if len(problems) > before:
            continue
        data, years, decision = row["data"], row["keep_years"], " ".join(row["decision"].split())
        if data not in DATA_KINDS:
            problems.append(
                _("%(where)s.data: unknown kind of data %(value)s (use %(known)s)")
                % {"where": where, "value": data, "known": ", ".join(DATA_KINDS)}
            )
        elif data in seen:
            problems.append(
                _("%(where)s.data: %(value)s already has a rule (retention[%(first)s])")
                % {"where": where, "value": data, "first": seen[data]}
            )
        else:
            seen[data] = index
        if not 0 <= years <= 100:
            problems.append(
                _("%(where)s.keep_years: must be from 0 to 100 years") % {"where": where}
            )
        if not decision:
            problems.append(
                _("%(where)s.decision: give the disposal decision's reference") % {"where": where}
            )
        elif len(decision) > DECISION_MAX:
            problems.append(
                _("%(where)s.decision: at most %(max)s characters")
                % {"where": where, "max": DECISION_MAX}
            )
        checked.append({"data": data, "keep_years": years, "decision": decision})
    return checked


def rules(programme: "Programme") -> list[Rule]:
    """The programme's retention rules, in the order of DATA_KINDS."""
    stored = {row["data"]: row for row in programme.retention or []}
    return [
        Rule(
            data=data,
            keep_years=stored[data]["keep_years"],
            decision=stored[data]["decision"],
            after=_after(data),
        )
        for data in DATA_KINDS
        if data in stored
    ]


def rule(programme: "Programme", data: str) -> Rule | None:
    """The programme's rule for one kind of data, or None when the file gives none."""
    if data not in DATA_KINDS:
        raise ValueError(f"Unknown kind of data {data!r}.")
    return next((found for found in rules(programme) if found.data == data), None)
