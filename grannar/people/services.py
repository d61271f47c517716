"""Changes to people and accounts; every one is audited."""

from typing import Any

from django.db import transaction

from grannar.core.audit import log_action
from grannar.core.crypto import encrypt_text
from grannar.people.models import Person, Role, RoleAssignment, User, Workplace, normalize_email
from grannar.people.signals import person_changed
from grannar.programmes.models import normalise_organisation_number, organisation_number_validator

# The fields a person's form edits, in the order a form shows them.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "gender",
    "birth_year",
    "municipality",
    "workplace",
    "staff_category",
    "support_resource",
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")


def _apply_personnummer(person: Person, personnummer: str | None) -> bool:
    """Set (a validated, normalised value), keep (None) or clear ("") the personnummer."""
    if personnummer is None:
        return False
    person.personnummer_encrypted = encrypt_text(personnummer) if personnummer else ""
    return True


def person_create(*, by: User | None, personnummer: str | None = None, **fields: Any) -> Person:
    """Create a person from validated values (see PersonForm) and audit it."""
    _check_fields(fields)
    with transaction.atomic():
        person = Person(**fields)
        _apply_personnummer(person, personnummer)
        person.save()
        log_action(
            action="people.person.created",
            actor=by,
            target=person,
            municipality_id=person.municipality_id,
            data={"fields": sorted(fields) + (["personnummer"] if personnummer else [])},
        )
    return person


def person_update(
    *, person: Person, by: User | None, personnummer: str | None = None, **fields: Any
) -> list[str]:
    """Change a person's validated values; return the names of the fields that changed."""
    _check_fields(fields)
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
    with transaction.atomic():
        # Compare with the stored row: a bound ModelForm has already copied its values onto
        # the instance it was given.
        stored = Person.objects.with_scopes_disabled().select_for_update().get(pk=person.pk)
        changed = [name for name, value in fields.items() if getattr(stored, name) != value]
        for name in changed:
            setattr(stored, name, fields[name])
        if _apply_personnummer(stored, personnummer):
            changed.append("personnummer")
        if not changed:
            return []
        stored.save()
        person_changed.send(sender=Person, person_ids=[stored.pk], fields=changed)
        log_action(
            action="people.person.changed",
            actor=by,
            target=stored,
            municipality_id=stored.municipality_id,
            data={"fields": sorted(changed)},
        )
    return changed


def workplace_update(*, workplace: Workplace, by: User | None, organisation_number: str) -> bool:
    """Set or clear a workplace's own organisation number (checked, as NNNNNN-NNNN); return
    whether it changed. Empty means the employer is the municipality."""
    number = (organisation_number or "").strip()
    if number:
        organisation_number_validator(number)
        number = normalise_organisation_number(number)
    with transaction.atomic():
        stored = Workplace.objects.with_scopes_disabled().select_for_update().get(pk=workplace.pk)
        if stored.organisation_number == number:
            return False
        stored.organisation_number = number
        stored.save(update_fields=["organisation_number"])
        log_action(
            action="people.workplace.changed",
            actor=by,
            target=stored,
            municipality_id=stored.municipality_id,
            data={"fields": ["organisation_number"]},
        )
    workplace.organisation_number = number
    return True


def role_assign(
    *, user: User, role: str, by: User | None, programme=None, municipality=None
) -> RoleAssignment:
    """Give `user` a role (idempotent); a coordinator's role names one municipality."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if role == Role.COORDINATOR and municipality is None:
        raise ValueError("A coordinator's role needs a municipality.")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, programme=programme, municipality=municipality
        )
        if created:
            log_action(
                action="people.role.assigned",
                actor=by,
                target=user,
                municipality_id=municipality.pk if municipality else None,
                data={"role": role, "programme": programme.code if programme else ""},
            )
    user.__dict__.pop("role_assignments", None)
    return assignment


def user_create(
    *, email: str, password: str | None, by: User | None, person: Person | None = None
) -> User:
    """Create a sign-in account, optionally linked to the person it belongs to."""
    with transaction.atomic():
        user = User.objects.create_user(email, password, person=person)
        log_action(action="people.user.created", actor=by, target=user)
    return user
