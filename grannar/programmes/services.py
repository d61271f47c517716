"""Changes to programmes, their municipalities and reference lists."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction

from grannar.core.audit import log_action
from grannar.programmes.loader import ProgrammeFileError, parse_programme_file
from grannar.programmes.models import (
    Format,
    Membership,
    Municipality,
    Programme,
    ProgrammeCategory,
    Sector,
    StaffCategory,
    SubGoal,
)
from grannar.programmes.signals import category_changed, membership_changed


@dataclass
class LoadResult:
    programme: Programme
    changes: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.changes["created"] or self.changes["updated"])


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], result):
    """Create or update one row, writing only when a value differs, so a reload changes nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        result.changes["created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.changes["updated"] += 1
    else:
        result.changes["unchanged"] += 1
    return obj


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def programme_load(*, text: str, by=None) -> LoadResult:
    """Load a programme file: create or update everything it names, in one transaction."""
    data = parse_programme_file(text)
    info = data.programme
    with transaction.atomic():
        result = LoadResult(programme=None)  # type: ignore[arg-type]
        programme = _upsert(
            Programme,
            {"code": info["code"]},
            {
                "name": info["name"],
                "summary": info.get("summary", "").strip(),
                "purpose": info.get("purpose", "").strip(),
                "owner": info["owner"],
                "funder": info.get("funder", ""),
                "programme_area": info.get("programme_area", ""),
                "grant_sek": info.get("grant_sek"),
                "total_budget_sek": info.get("total_budget_sek"),
                "starts": info["starts"],
                "ends": info["ends"],
                "target_participants": info["target_participants"],
                "reported_participants": info.get("reported_participants"),
                "planned_gender_split": info.get("planned_gender_split", {}),
                "gender_target": data.gender_target,
                "default_hourly_rate_sek": _decimal(data.default_hourly_rate_sek),
                "support_resource_name": data.support_resource.get("name", ""),
                "support_resource_description": data.support_resource.get(
                    "description", ""
                ).strip(),
                "funding_emblem": data.funding["emblem"],
                "funding_period": data.funding["period"],
                "funding_text": data.funding["text"],
                **data.collaboration,
                "retention": data.retention,
            },
            result,
        )
        result.programme = programme
        # What the figures depend on, to tell whoever keeps them after the load.
        leaving = dict(programme.memberships.values_list("municipality_id", "left"))
        sectors_before = dict(StaffCategory.objects.values_list("pk", "sector_id"))
        for row in data.subgoals:
            _upsert(
                SubGoal,
                {"programme": programme, "number": row["number"]},
                {"title": row["title"], "text": row.get("text", "").strip()},
                result,
            )
        sectors = {
            row["code"]: _upsert(Sector, {"code": row["code"]}, {"name": row["name"]}, result)
            for row in data.sectors
        }
        for row in data.categories:
            category = _upsert(
                StaffCategory,
                {"code": row["code"]},
                {"name": row["name"], "sector": sectors[row["sector"]]},
                result,
            )
            _upsert(
                ProgrammeCategory,
                {"programme": programme, "category": category},
                {
                    "hourly_rate_sek": _decimal(row.get("hourly_rate_sek")),
                    "target": row.get("target"),
                },
                result,
            )
        formats = [
            _upsert(Format, {"code": row["code"]}, {"name": row["name"]}, result)
            for row in data.formats
        ]
        missing_formats = set(formats) - set(programme.formats.all())
        if missing_formats:
            programme.formats.add(*missing_formats)
            result.changes["created"] += len(missing_formats)
        for row in data.municipalities:
            values = {"name": row["name"]}
            if "org_number" in row:
                # Left out of the file, a number set in the product stays.
                values["organisation_number"] = row["org_number"]
            municipality = _upsert(Municipality, {"code": row["code"]}, values, result)
            joined = row.get("joined", programme.starts if row["participates"] else None)
            _upsert(
                Membership,
                {"programme": programme, "municipality": municipality},
                {
                    "participates": row["participates"],
                    "left_early": row.get("left_early", False),
                    "joined": joined,
                    "left": row.get("left"),
                    "target": row.get("target"),
                },
                result,
            )
        moved = [
            pk
            for pk, sector_id in StaffCategory.objects.values_list("pk", "sector_id")
            if pk in sectors_before and sectors_before[pk] != sector_id
        ]
        if moved:
            category_changed.send(sender=StaffCategory, category_ids=moved)
        left = [
            municipality_id
            for municipality_id, day in programme.memberships.values_list("municipality_id", "left")
            if leaving.get(municipality_id) != day
        ]
        if left:
            membership_changed.send(sender=Programme, programme=programme, municipality_ids=left)
        if result.changed:
            log_action(
                action="programmes.programme.loaded",
                actor=by,
                target=programme,
                data={"created": result.changes["created"], "updated": result.changes["updated"]},
            )
    return result


def programme_load_file(*, path: Path, by=None) -> LoadResult:
    """Load a programme file from disk; an unreadable file is a ProgrammeFileError too."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProgrammeFileError([f"{path}: {error}"]) from error
    return programme_load(text=text, by=by)
