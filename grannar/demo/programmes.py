"""Demo programmes: the reference programme shipped with Grannar and a synthetic national one."""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from faker import Faker

from grannar.demo.people import SEED
from grannar.people.models import Person
from grannar.programmes.loader import parse_programme_file
from grannar.programmes.models import Programme
from grannar.programmes.services import programme_load_file

NATIONAL_CODE = "nationell-demo"


def ensure_reference_programme() -> Programme:
    path = Path(settings.GRANNAR_REFERENCE_PROGRAMME)
    code = programme_code_in(path)
    programme = Programme.objects.filter(code=code).first()
    return programme or programme_load_file(path=path).programme


def demo_leaving_dates(programme: Programme) -> None:
    """Demo assumption: a municipality recorded as leaving early without a date left halfway
    through the programme period (the reference file does not say when Öckerö left)."""
    halfway = programme.starts + (programme.ends - programme.starts) / 2
    programme.memberships.filter(left_early=True, left__isnull=True).update(left=halfway)


def demo_targets(programme: Programme) -> None:
    """Demo assumption: where the programme file sets no target for a participating
    municipality or a staff category, the programme's target is shared out by the demo's
    staff there (largest remainder, so the targets add up to the programme's)."""
    staff = (
        Person.objects.with_scopes_disabled()
        .filter(municipality__memberships__programme=programme, support_resource=False)
        .order_by()
    )
    memberships = programme.memberships.filter(participates=True, target__isnull=True)
    by_municipality = Counter(
        dict(staff.values_list("municipality_id").annotate(n=Count("id")).order_by())
    )
    for membership, target in _shared(
        programme.target_participants,
        [(m, by_municipality[m.municipality_id]) for m in memberships],
    ):
        membership.target = target
        membership.save(update_fields=["target"])
    categories = programme.programme_categories.filter(target__isnull=True)
    by_category = Counter(
        dict(staff.values_list("staff_category_id").annotate(n=Count("id")).order_by())
    )
    for category, target in _shared(
        programme.target_participants, [(c, by_category[c.category_id]) for c in categories]
    ):
        category.target = target
        category.save(update_fields=["target"])


def _shared(total: int, weights: list[tuple[object, int]]) -> list[tuple[object, int]]:
    """`total` split by weight into whole numbers above 0; nothing when there is no weight."""
    whole = sum(weight for _item, weight in weights)
    if not whole:
        return []
    exact = [(item, total * weight / whole) for item, weight in weights if weight]
    parts = [[item, int(share), share - int(share)] for item, share in exact]
    for part in sorted(parts, key=lambda p: -p[2])[: total - sum(p[1] for p in parts)]:
        part[1] += 1
    return [(item, max(1, target)) for item, target, _rest in parts]


def programme_code_in(path: Path) -> str:
    return parse_programme_file(path.read_text(encoding="utf-8")).programme["code"]


def national_programme_text(*, seed: int = SEED, municipalities: int = 290) -> str:
    """A programme file for a synthetic national programme (codes 3001+ are not real ones)."""
    faker = Faker("sv_SE")
    faker.seed_instance(f"{seed}-national")
    names: list[str] = []
    while len(names) < municipalities:
        name = faker.city()
        if name in names:
            name = f"{name} {len(names)}"
        names.append(name)
    lines = [
        "[programme]",
        f'code = "{NATIONAL_CODE}"',
        'name = "Nationell demo"',
        'summary = "Syntetiskt program i nationell skala för prestandamätning"',
        'owner = "Demo"',
        "starts = 2024-01-01",
        "ends = 2026-12-31",
        "target_participants = 80000",
        "",
        "[cofinancing]",
        "hourly_rate_sek = 300",
    ]
    for number, title in enumerate(["Bemötande", "Skolgång", "Samverkan"], start=1):
        lines += ["[[subgoal]]", f"number = {number}", f'title = "{title}"']
    sectors = [
        ("socialtjanst", "Socialtjänst"),
        ("boende", "Boende"),
        ("skola", "Skola och elevhälsa"),
        ("fritid", "Kultur och fritid"),
    ]
    for code, name in sectors:
        lines += ["[[sector]]", f'code = "{code}"', f'name = "{name}"']
    categories = [
        ("socialsekreterare", "Socialsekreterare", "socialtjanst"),
        ("boendepersonal", "Boendepersonal på HVB och stödboende", "boende"),
        ("pedagogisk", "Pedagogisk personal", "skola"),
        ("elevhalsa", "Elevhälsa", "skola"),
        ("kultur-fritid", "Kultur- och fritidspersonal", "fritid"),
    ]
    for code, name, sector in categories:
        lines += [
            "[[staff_category]]",
            f'code = "{code}"',
            f'name = "{name}"',
            f'sector = "{sector}"',
        ]
        if code == "socialsekreterare":
            lines.append("hourly_rate_sek = 380")
    for index, name in enumerate(names):
        lines += [
            "[[municipality]]",
            f'name = "{name}"',
            f'code = "{3001 + index}"',
            "participates = true",
        ]
    return "\n".join(lines) + "\n"
