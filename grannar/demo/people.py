"""Demo people, workplaces and accounts, from a seed: the same seed gives the same data.

Nothing here knows a particular programme: shares, categories and names are drawn from a
seeded generator over whatever the programme file defines.
"""

import base64
import hashlib
import math
import random
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from faker import Faker

from grannar.core.crypto import encrypt_text
from grannar.demo.bulk import db_datetime, insert_rows
from grannar.people.models import Gender, Person, Role, User, Workplace
from grannar.people.services import role_assign
from grannar.people.two_factor import totp_device, totp_device_set
from grannar.programmes.models import (
    Membership,
    Municipality,
    Programme,
    ProgrammeCategory,
    Sector,
)

SEED = 2016
# The demo accounts share one authenticator key, printed by `make run`; never in production.
DEMO_TOTP_KEY = hashlib.sha1(b"grannar-demo-totp", usedforsecurity=False).hexdigest()
DEMO_DOMAIN = "demo.example"

_SECTOR_UNITS = {
    0: ["Socialtjänsten {}", "Individ- och familjeomsorgen {}", "Familjehemsenheten {}"],
    1: ["HVB {}", "Stödboende {}", "Ungdomsboendet {}"],
    2: ["{}skolan", "Elevhälsan {}", "{} gymnasium"],
    3: ["Fritidsgården {}", "Kulturskolan {}", "Biblioteket {}"],
}


# Districts and localities of the reference programme's municipalities, so that a unit lies
# in its own municipality. A municipality without a line (the national demo's synthetic ones)
# gets areas named after itself.
_AREA_LISTS = {
    "Göteborg": "Angered, Bergsjön, Biskopsgården, Backa, Frölunda, Hammarkullen, "
    "Kortedala, Majorna, Tynnered, Torslanda, Lundby, Askim",
    "Mölndal": "Lindome, Kållered, Fässberg, Krokslätt, Åby, Bifrost",
    "Lerum": "Gråbo, Floda, Stenkullen, Tollered, Sjövik",
    "Öckerö": "Hönö, Björkö, Rörö, Hälsö, Knippla",
    "Partille": "Sävedalen, Öjersjö, Furulund, Jonsered, Kåhög",
    "Kungälv": "Ytterby, Kode, Diseröd, Kärna, Marstrand, Komarken",
    "Alingsås": "Sollebrunn, Ingared, Gräfsnäs, Noltorp, Nolhaga, Brogården",
    "Härryda": "Mölnlycke, Landvetter, Hindås, Rävlanda, Hällingsjö",
    "Lilla Edet": "Lödöse, Göta, Nygård, Ström",
    "Tjörn": "Skärhamn, Kållekärr, Rönnäng, Klövedal, Myggenäs",
    "Stenungsund": "Jörlanda, Svenshögen, Ucklum, Stora Höga, Hallerna",
    "Ale": "Nödinge, Nol, Älvängen, Surte, Bohus, Alafors, Skepplanda",
    "Kungsbacka": "Onsala, Fjärås, Åsa, Frillesås, Särö, Vallda, Tölö",
}
_AREAS = {name: areas.split(", ") for name, areas in _AREA_LISTS.items()}


def municipality_areas(name: str, rng: random.Random):
    """Endless area names within municipality `name`: the municipality itself, then its own
    districts in a seeded order, then directions of it, then numbered ones."""
    yield name
    areas = list(_AREAS.get(name, []))
    rng.shuffle(areas)
    yield from areas
    for direction in ("Norra", "Södra", "Östra", "Västra"):
        yield f"{direction} {name}"
    n = 2
    while True:
        yield f"{name} {n}"
        n += 1


@dataclass(frozen=True)
class PersonRow:
    email: str
    first_name: str
    last_name: str
    gender: str
    birth_year: int | None
    municipality_id: int
    workplace_key: tuple[int, str] | None
    category_id: int | None
    support_resource: bool
    personnummer: str


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c in ".-")


def _luhn_digit(nine: str) -> int:
    total = 0
    for index, char in enumerate(nine):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def demo_personnummer(rng: random.Random, birth_year: int, gender: str) -> str:
    """A personnummer with a valid check digit (for demos; it belongs to nobody we know of)."""
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    serial = rng.randint(0, 99)
    sex_digit = rng.choice([0, 2, 4, 6, 8] if gender == Gender.WOMAN else [1, 3, 5, 7, 9])
    nine = f"{birth_year % 100:02d}{month:02d}{day:02d}{serial:02d}{sex_digit}"
    return f"{birth_year:04d}{month:02d}{day:02d}{serial:02d}{sex_digit}{_luhn_digit(nine)}"


def demo_organisation_number(prefix: str, key: str) -> str:
    """An organisation number with a valid check digit, derived from `key` (for demos only):
    `212000` is how municipalities' numbers begin, `556` how limited companies' do."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    nine = (prefix + str(int(digest, 16)))[:9]
    return f"{nine[:6]}-{nine[6:]}{_luhn_digit(nine)}"


def _private_operator(name: str) -> bool:
    """About half the demo's HVB homes are run by private operators with their own number."""
    return name.startswith("HVB") and hashlib.sha256(name.encode()).digest()[0] % 2 == 0


def _shares(rng: random.Random, memberships: list[Membership]) -> list[float]:
    """A long-tailed share per municipality in file order; an early leaver gets less."""
    weights = []
    for rank, membership in enumerate(memberships, start=1):
        weight = 1 / rank**1.1 * rng.uniform(0.8, 1.2)
        weights.append(weight * (0.4 if membership.left_early else 1))
    total = sum(weights)
    return [w / total for w in weights]


def _split(total: int, shares: list[float]) -> list[int]:
    counts = [math.floor(total * share) for share in shares]
    for index in range(total - sum(counts)):
        counts[index % len(counts)] += 1
    return counts


class DemoBuilder:
    """Plans demo rows for one programme from a seed, then writes them in bulk."""

    def __init__(self, programme: Programme, *, staff: int, support_resources: int, seed: int):
        self.programme = programme
        self.staff = staff
        self.support_resources = support_resources
        self.rng = random.Random(f"{seed}-{programme.code}")
        # Place names have their own generator, so that the people drawn stay the same.
        self.places = random.Random(f"{seed}-places-{programme.code}")
        self.faker = Faker("sv_SE")
        self.faker.seed_instance(f"{seed}-{programme.code}")
        self.emails: set[str] = set()
        self.with_personnummer = staff <= 20000

    def _email(self, first: str, last: str, municipality_name: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        domain = f"{_ascii(municipality_name).replace('.', '')}.{DEMO_DOMAIN}"
        email, n = f"{base}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{domain}"
        self.emails.add(email)
        return email

    def plan(self) -> tuple[list[Workplace], list[PersonRow]]:
        memberships = list(
            self.programme.memberships.filter(participates=True)
            .select_related("municipality")
            .order_by("id")
        )
        categories = [
            pc.category
            for pc in ProgrammeCategory.objects.filter(programme=self.programme)
            .select_related("category")
            .order_by("id")
        ]
        sector_ids = sorted({c.sector_id for c in categories})
        sectors = {s.pk: s for s in Sector.objects.filter(pk__in=sector_ids)}
        category_weights = [self.rng.uniform(1, 4) for _ in categories]
        start_year = self.programme.starts.year
        counts = _split(self.staff, _shares(self.rng, memberships))
        supports = _split(self.support_resources, _shares(self.rng, memberships))

        workplaces: list[Workplace] = []
        people: list[PersonRow] = []
        for membership, count, support_count in zip(memberships, counts, supports, strict=True):
            municipality = membership.municipality
            by_sector: dict[int, list[str]] = {}
            for position, sector_id in enumerate(sector_ids):
                units = max(1, round(count / len(sector_ids) / 45))
                names: list[str] = []
                templates = _SECTOR_UNITS[position % len(_SECTOR_UNITS)]
                areas = municipality_areas(municipality.name, self.places)
                while len(names) < units:
                    template = self.rng.choice(templates)
                    name = template.format(next(areas))
                    while name in names:
                        name = template.format(next(areas))
                    names.append(name)
                by_sector[sector_id] = names
                workplaces += [
                    Workplace(
                        municipality=municipality,
                        sector=sectors[sector_id],
                        name=name,
                        organisation_number=demo_organisation_number("556", name)
                        if _private_operator(name)
                        else "",
                    )
                    for name in names
                ]
            for _ in range(count):
                category = self.rng.choices(categories, weights=category_weights)[0]
                people.append(
                    self._person(
                        municipality,
                        start_year,
                        category_id=category.pk,
                        workplace_key=(
                            municipality.pk,
                            self.rng.choice(by_sector[category.sector_id]),
                        ),
                    )
                )
            for _ in range(support_count):
                people.append(
                    self._person(municipality, start_year, category_id=None, workplace_key=None)
                )
        return workplaces, people

    def _person(self, municipality, start_year, *, category_id, workplace_key) -> PersonRow:
        support = category_id is None
        gender = self.rng.choices(
            [Gender.WOMAN, Gender.MAN, Gender.OTHER, Gender.UNKNOWN], weights=[72, 25, 1, 2]
        )[0]
        if gender == Gender.MAN:
            first = self.faker.first_name_male()
        elif gender == Gender.WOMAN:
            first = self.faker.first_name_female()
        else:
            first = self.faker.first_name()
        last = self.faker.last_name()
        age = self.rng.randint(19, 24) if support else int(self.rng.triangular(22, 66, 42))
        birth_year = None if self.rng.random() < 0.02 else start_year - age
        personnummer = ""
        if birth_year and self.with_personnummer and self.rng.random() < 0.85:
            personnummer = demo_personnummer(self.rng, birth_year, gender)
        return PersonRow(
            email=self._email(first, last, municipality.name),
            first_name=first,
            last_name=last,
            gender=gender,
            birth_year=birth_year,
            municipality_id=municipality.pk,
            workplace_key=workplace_key,
            category_id=category_id,
            support_resource=support,
            personnummer=personnummer,
        )

    def write(self, workplaces: list[Workplace], people: list[PersonRow]) -> int:
        for municipality in Municipality.objects.filter(
            memberships__programme=self.programme, organisation_number=""
        ):
            municipality.organisation_number = demo_organisation_number("212000", municipality.code)
            municipality.save(update_fields=["organisation_number"])
        Workplace.objects.bulk_create(workplaces, batch_size=2000, ignore_conflicts=True)
        municipality_ids = {row.municipality_id for row in people}
        workplace_ids = {
            (w.municipality_id, w.name): w.pk
            for w in Workplace.objects.with_scopes_disabled().filter(
                municipality_id__in=municipality_ids
            )
        }
        before = Person.objects.with_scopes_disabled().count()
        now = db_datetime(timezone.now())
        insert_rows(
            "people_person",
            (
                "email",
                "first_name",
                "last_name",
                "phone",
                "gender",
                "birth_year",
                "municipality_id",
                "workplace_id",
                "workplace_name",
                "staff_category_id",
                "support_resource",
                "personnummer_encrypted",
                "created",
                "updated",
            ),
            (
                (
                    row.email,
                    row.first_name,
                    row.last_name,
                    "",
                    str(row.gender),
                    row.birth_year,
                    row.municipality_id,
                    workplace_ids[row.workplace_key] if row.workplace_key else None,
                    "",
                    row.category_id,
                    row.support_resource,
                    encrypt_text(row.personnummer) if row.personnummer else "",
                    now,
                    now,
                )
                for row in people
            ),
            ignore_conflicts=True,
        )
        return Person.objects.with_scopes_disabled().count() - before


def demo_accounts(programme: Programme, *, password: str) -> list[tuple[str, str]]:
    """Create the demo accounts (idempotent); return (e-mail, what the account shows)."""
    accounts: list[tuple[str, str]] = []

    def account(email: str, role: str, label: str, *, municipality=None, person=None) -> None:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, person=person)
        role_assign(user=user, role=role, by=None, programme=programme, municipality=municipality)
        if user.requires_two_factor and not totp_device(user):
            totp_device_set(user=user, key=DEMO_TOTP_KEY)
        if person is not None:
            role_assign(user=user, role=Role.PARTICIPANT, by=None, programme=programme)
        accounts.append((email, label))

    account(f"admin@{DEMO_DOMAIN}", Role.ADMIN, "programme admin")
    memberships = programme.memberships.filter(participates=True).select_related("municipality")
    for membership in memberships.order_by("municipality__code"):
        municipality = membership.municipality
        account(
            f"samordnare.{municipality.code}@{DEMO_DOMAIN}",
            Role.COORDINATOR,
            f"coordinator, {municipality.name}",
            municipality=municipality,
        )
    account(f"kursledare@{DEMO_DOMAIN}", Role.TRAINER, "trainer")
    colleague = (
        Person.objects.with_scopes_disabled()
        .filter(municipality__memberships__programme=programme, support_resource=False)
        .order_by("id")
        .first()
    )
    if colleague is not None:
        participant, _ = Person.objects.with_scopes_disabled().get_or_create(
            email=f"deltagare@{DEMO_DOMAIN}",
            defaults={
                "first_name": "Sara",
                "last_name": "Lindqvist",
                "gender": Gender.WOMAN,
                "birth_year": programme.starts.year - 38,
                "municipality_id": colleague.municipality_id,
                "workplace_id": colleague.workplace_id,
                "staff_category_id": colleague.staff_category_id,
            },
        )
        account(f"deltagare@{DEMO_DOMAIN}", Role.PARTICIPANT, "participant", person=participant)
    account(f"utvarderare@{DEMO_DOMAIN}", Role.EVALUATOR, "evaluator")
    account(f"revisor@{DEMO_DOMAIN}", Role.AUDITOR, "auditor")
    return accounts


def demo_fingerprint(programme: Programme) -> str:
    """A digest of the programme's demo people, to show that the same seed gives the same data."""
    rows = (
        Person.objects.with_scopes_disabled()
        .filter(municipality__memberships__programme=programme, email__endswith=DEMO_DOMAIN)
        .order_by("email")
        .values_list(
            "email",
            "first_name",
            "last_name",
            "gender",
            "birth_year",
            "municipality__code",
            "workplace__name",
            "staff_category__code",
            "support_resource",
        )
    )
    digest = hashlib.sha256()
    for row in rows.iterator(chunk_size=5000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def demo_totp_secret() -> str:
    """The demo accounts' authenticator key as an app wants it typed (base32, in groups)."""
    secret = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
