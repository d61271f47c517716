"""Reading and checking a programme file (TOML); writing it is `services.programme_load`."""

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grannar.programmes.models import (
    municipality_code_validator,
    normalise_organisation_number,
    organisation_number_validator,
)
from grannar.programmes.retention import parse_rules

# Each table of the file: its keys, which are required, and the type each must have.
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "programme": {
        "code": (str, True),
        "name": (str, True),
        "summary": (str, False),
        "owner": (str, True),
        "funder": (str, False),
        "grant_sek": (int, False),
        "total_budget_sek": (int, False),
        "starts": (dt.date, True),
        "ends": (dt.date, True),
        "programme_area": (str, False),
        "target_participants": (int, True),
        "reported_participants": (int, False),
        "planned_gender_split": (dict, False),
        "purpose": (str, False),
    },
    "subgoal": {"number": (int, True), "title": (str, True), "text": (str, False)},
    "sector": {"code": (str, True), "name": (str, True)},
    "staff_category": {
        "code": (str, True),
        "name": (str, True),
        "sector": (str, True),
        "hourly_rate_sek": ((int, float), False),
        "target": (int, False),
    },
    "cofinancing": {"hourly_rate_sek": ((int, float), True)},
    "support_resource": {"name": (str, True), "description": (str, False)},
    "format": {"code": (str, True), "name": (str, True)},
    "municipality": {
        "name": (str, True),
        "code": (str, True),
        "participates": (bool, True),
        "left_early": (bool, False),
        "joined": (dt.date, False),
        "left": (dt.date, False),
        "target": (int, False),
        "org_number": (str, False),
    },
    "targets": {
        "gender": (dict, False),
        "pilot_workshops": (int, False),
        "routines_adopted": (int, False),
        "plan_coverage": ((int, float), False),
    },
    "collaboration": {"follow_up_months": (int, False)},
}
_LISTS = {"subgoal", "sector", "staff_category", "format", "municipality"}
_REQUIRED_TABLES = {"programme", "subgoal", "sector", "staff_category", "municipality"}
_GENDERS = {"kvinna", "man", "annat", "okand"}

_FUNDING_SCHEMA: dict[str, tuple[type, bool]] = {
    "emblem": (str, False),
    "period": (str, False),
    "text": (str, False),
}
_FUNDING_EMBLEMS = ("eu", "none")
# The wording the funder's rules give for each programme period, in the materials' language.
FUNDING_TEXTS = {
    "2014-2020": "Europeiska unionen, Europeiska socialfonden",
    "2021-2027": "Medfinansieras av Europeiska unionen",
}
FUNDING_TEXT_MAX = 300


class ProgrammeFileError(Exception):
    """A programme file that cannot be loaded; `problems` names each key and what is wrong."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ProgrammeFile:
    programme: dict[str, Any]
    subgoals: list[dict[str, Any]] = field(default_factory=list)
    sectors: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    formats: list[dict[str, Any]] = field(default_factory=list)
    municipalities: list[dict[str, Any]] = field(default_factory=list)
    default_hourly_rate_sek: Decimal = Decimal(0)
    support_resource: dict[str, Any] = field(default_factory=dict)
    funding: dict[str, str] = field(
        default_factory=lambda: {"emblem": "none", "period": "", "text": ""}
    )
    gender_target: dict[str, float] = field(default_factory=dict)
    collaboration: dict[str, Any] = field(default_factory=dict)
    retention: list[dict[str, Any]] = field(default_factory=list)


_TYPE_NAMES = {
    str: gettext_lazy("text"),
    int: gettext_lazy("an integer"),
    bool: gettext_lazy("true or false"),
    dt.date: gettext_lazy("a date (YYYY-MM-DD)"),
    dict: gettext_lazy("a table"),
}


def _type_name(kind) -> str:
    return str(_TYPE_NAMES.get(kind, gettext_lazy("a number")))


def _check_table(where: str, table: Any, schema: dict, problems: list[str]) -> None:
    if not isinstance(table, dict):
        problems.append(_("%(where)s: must be a table") % {"where": where})
        return
    for key in table:
        if key not in schema:
            problems.append(_("%(where)s.%(key)s: unknown key") % {"where": where, "key": key})
    for key, (kind, required) in schema.items():
        if key not in table:
            if required:
                problems.append(
                    _("%(where)s.%(key)s: missing required key") % {"where": where, "key": key}
                )
            continue
        value = table[key]
        # bool is an int in Python; a number key must not accept true/false.
        wrong_bool = isinstance(value, bool) and kind is not bool
        if wrong_bool or not isinstance(value, kind) or isinstance(value, dt.datetime):
            problems.append(
                _("%(where)s.%(key)s: must be %(type)s")
                % {"where": where, "key": key, "type": _type_name(kind)}
            )
        elif isinstance(value, str) and not value.strip() and required:
            problems.append(
                _("%(where)s.%(key)s: must not be empty") % {"where": where, "key": key}
            )


def _check_unique(name: str, rows: list[dict], key: str, problems: list[str]) -> None:
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows, start=1):
        value = row.get(key)
        if value is None:
            continue
        if value in seen:
            problems.append(
                _("%(name)s[%(index)s].%(key)s: duplicate %(value)s (also in %(name)s[%(first)s])")
                % {"name": name, "index": index, "key": key, "value": value, "first": seen[value]}
            )
        else:
            seen[value] = index


def parse_programme_file(text: str) -> ProgrammeFile:
    """Parse and check a programme file; raise ProgrammeFileError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProgrammeFileError([_("not valid TOML: %(error)s") % {"error": error}]) from error

    problems: list[str] = []
    for key in data:
        if key not in _SCHEMA and key not in ("funding_statement", "retention"):
            problems.append(_("%(key)s: unknown table") % {"key": key})
    for key in sorted(_REQUIRED_TABLES - data.keys()):
        problems.append(_("%(key)s: missing required table") % {"key": key})

    for name, schema in _SCHEMA.items():
        if name not in data:
            continue
        if name in _LISTS:
            rows = data[name]
            if not isinstance(rows, list):
                problems.append(
                    _("%(key)s: must be an array of tables ([[%(key)s]])") % {"key": name}
                )
                continue
            for index, row in enumerate(rows, start=1):
                _check_table(f"{name}[{index}]", row, schema, problems)
        else:
            _check_table(name, data[name], schema, problems)
    if problems:
        raise ProgrammeFileError(problems)

    programme = data["programme"]
    if programme["ends"] < programme["starts"]:
        problems.append(_("programme.ends: must not be before programme.starts"))
    if programme["target_participants"] <= 0:
        problems.append(_("programme.target_participants: must be greater than 0"))
    for gender in programme.get("planned_gender_split", {}):
        if gender not in _GENDERS:
            problems.append(
                _("programme.planned_gender_split.%(key)s: unknown gender") % {"key": gender}
            )
    _check_unique("subgoal", data["subgoal"], "number", problems)
    _check_unique("sector", data["sector"], "code", problems)
    _check_unique("staff_category", data["staff_category"], "code", problems)
    _check_unique("format", data.get("format", []), "code", problems)
    _check_unique("municipality", data["municipality"], "code", problems)
    _check_unique("municipality", data["municipality"], "name", problems)
    sector_codes = {row["code"] for row in data["sector"]}
    for index, row in enumerate(data["staff_category"], start=1):
        if row["sector"] not in sector_codes:
            problems.append(
                _("staff_category[%(index)s].sector: unknown sector %(code)s")
                % {"index": index, "code": row["sector"]}
            )
        if row.get("hourly_rate_sek", 0) < 0:
            problems.append(
                _("staff_category[%(index)s].hourly_rate_sek: must not be negative")
                % {"index": index}
            )
    for index, row in enumerate(data["municipality"], start=1):
        try:
            municipality_code_validator(row["code"])
        except ValidationError:
            problems.append(
                _("municipality[%(index)s].code: %(code)s is not a four-digit municipality code")
                % {"index": index, "code": row["code"]}
            )
        if "org_number" in row:
            try:
                organisation_number_validator(row["org_number"])
            except ValidationError as error:
                problems.append(
                    _("municipality[%(index)s].org_number: %(problem)s")
                    % {"index": index, "problem": " ".join(error.messages)}
                )
            else:
                row["org_number"] = normalise_organisation_number(row["org_number"])
        if row.get("left_early") and not row["participates"]:
            problems.append(
                _("municipality[%(index)s].left_early: only a participating municipality can leave")
                % {"index": index}
            )
    for index, row in enumerate(data.get("subgoal", []), start=1):
        if row["number"] <= 0:
            problems.append(_("subgoal[%(index)s].number: must be 1 or more") % {"index": index})
    rate = data.get("cofinancing", {}).get("hourly_rate_sek", 0)
    if rate < 0:
        problems.append(_("cofinancing.hourly_rate_sek: must not be negative"))
    funding = _parse_funding_statement(data.get("funding_statement"), problems)
    _check_memberships(programme, data["municipality"], problems)
    _check_targets(data, problems)
    collaboration = _collaboration_settings(data, problems)
    retention = parse_rules(data.get("retention"), problems)
    if problems:
        raise ProgrammeFileError(problems)

    return ProgrammeFile(
        programme=programme,
        subgoals=data["subgoal"],
        sectors=data["sector"],
        categories=data["staff_category"],
        formats=data.get("format", []),
        municipalities=data["municipality"],
        default_hourly_rate_sek=Decimal(str(rate)),
        support_resource=data.get("support_resource", {}),
        funding=funding,
        gender_target=data.get("targets", {}).get("gender", {}),
        collaboration=collaboration,
        retention=retention,
    )


def _collaboration_settings(data: dict, problems: list[str]) -> dict[str, Any]:
    """`[collaboration] follow_up_months` (default 6) and the collaboration targets of
    `[targets]`: pilot workshops and routines adopted (whole numbers above 0), plan coverage (a
    share above 0 and at most 1)."""
    months = data.get("collaboration", {}).get("follow_up_months", 6)
    if not 1 <= months <= 60:
        problems.append(_("collaboration.follow_up_months: must be from 1 to 60"))
    targets = data.get("targets", {})
    for key in ("pilot_workshops", "routines_adopted"):
        if key in targets and targets[key] <= 0:
            problems.append(_("targets.%(key)s: must be greater than 0") % {"key": key})
    coverage = targets.get("plan_coverage")
    if coverage is not None and not 0 < coverage <= 1:
        problems.append(_("targets.plan_coverage: must be a share above 0 and at most 1"))
    return {
        "follow_up_months": months,
        "target_pilot_workshops": targets.get("pilot_workshops"),
        "target_routines_adopted": targets.get("routines_adopted"),
        "target_plan_coverage": (
            None if coverage is None else Decimal(str(coverage)).quantize(Decimal("0.001"))
        ),
    }


def _parse_funding_statement(table: Any, problems: list[str]) -> dict[str, str]:
    """The optional `[funding_statement]`: emblem, period and text, the text defaulting to the
    period's wording; without the table a programme carries no statement."""
    if table is None:
        return {"emblem": "none", "period": "", "text": ""}
    before = len(problems)
    _check_table("funding_statement", table, _FUNDING_SCHEMA, problems)
    if len(problems) > before:
        return {}
    emblem = table.get("emblem", "eu")
    period = table.get("period", "")
    text = " ".join(table.get("text", FUNDING_TEXTS.get(period, "")).split())
    if emblem not in _FUNDING_EMBLEMS:
        problems.append(
            _("funding_statement.emblem: %(value)s is not one of %(choices)s")
            % {"value": emblem, "choices": ", ".join(_FUNDING_EMBLEMS)}
        )
    if "period" in table and period not in FUNDING_TEXTS:
        problems.append(
            _("funding_statement.period: %(value)s is not one of %(choices)s")
            % {"value": period, "choices": ", ".join(FUNDING_TEXTS)}
        )
    elif "text" in table and not text:
        problems.append(_("funding_statement.text: must not be empty"))
    elif not text:
        problems.append(_("funding_statement: give period or text"))
    if len(text) > FUNDING_TEXT_MAX:
        problems.append(
            _("funding_statement.text: at most %(max)s characters") % {"max": FUNDING_TEXT_MAX}
        )
    return {"emblem": emblem, "period": period, "text": text}


def _check_memberships(programme: dict, rows: list[dict], problems: list[str]) -> None:
    """A leaving date lies in the programme period, after joining; only members leave."""
    for index, row in enumerate(rows, start=1):
        left = row.get("left")
        if left is None:
            continue
        where = {"index": index, "date": left.isoformat()}
        if not row["participates"]:
            problems.append(
                _("municipality[%(index)s].left: only a participating municipality can leave")
                % where
            )
        elif not programme["starts"] <= left <= programme["ends"]:
            problems.append(
                _(
                    "municipality[%(index)s].left: %(date)s is outside the programme period "
                    "%(starts)s – %(ends)s"
                )
                % {**where, "starts": programme["starts"], "ends": programme["ends"]}
            )
        elif row.get("joined") and left < row["joined"]:
            problems.append(_("municipality[%(index)s].left: %(date)s is before joined") % where)


def _check_targets(data: dict, problems: list[str]) -> None:
    """Targets are whole numbers of participants above 0; the planned gender split gives each
    known gender a share between 0 and 1, and the shares add up to 1."""
    for name in ("municipality", "staff_category"):
        for index, row in enumerate(data[name], start=1):
            target = row.get("target")
            if target is None:
                continue
            if target <= 0:
                problems.append(
                    _("%(name)s[%(index)s].target: must be greater than 0")
                    % {"name": name, "index": index}
                )
            elif name == "municipality" and not row["participates"]:
                problems.append(
                    _(
                        "municipality[%(index)s].target: only a participating municipality "
                        "has a target"
                    )
                    % {"index": index}
                )
    shares = data.get("targets", {}).get("gender")
    if shares is None:
        return
    if not shares:
        problems.append(_("targets.gender: must give a share for at least one gender"))
        return
    for key, share in shares.items():
        if key not in _GENDERS:
            problems.append(
                _("targets.gender.%(key)s: unknown gender (use %(known)s)")
                % {"key": key, "known": ", ".join(sorted(_GENDERS))}
            )
        elif isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            problems.append(
                _("targets.gender.%(key)s: must be a share between 0 and 1, for example 0.7")
                % {"key": key}
            )
    if all(isinstance(s, int | float) and not isinstance(s, bool) for s in shares.values()):
        total = sum(shares.values())
        if abs(total - 1) > 0.001:
            problems.append(
                _("targets.gender: the shares add up to %(total)s, not 1")
                % {"total": round(total, 3)}
            )
