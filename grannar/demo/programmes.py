"""Demo programmes: the reference programme shipped with Grannar and a synthetic national one."""

from pathlib import Path

from django.conf import settings
from faker import Faker

from grannar.demo.people import SEED
from grannar.programmes.loader import parse_programme_file
from grannar.programmes.models import Programme
from grannar.programmes.services import programme_load_file

NATIONAL_CODE = "nationell-demo"


def ensure_reference_programme() -> Programme:
    path = Path(settings.GRANNAR_REFERENCE_PROGRAMME)
    code = programme_code_in(path)
    programme = Programme.objects.filter(code=code).first()
    return programme or programme_load_file(path=path).programme


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
