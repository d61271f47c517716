"""The final report's collaboration parts, on hand-built data: each municipality's pilot
workshop, the chapter on lasting change, "Vad kan vi lära?", and the short version from the
command and the dashboard."""

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from grannar.collaboration.models import CompetencePlan, Lesson, Outcome, Routine
from grannar.core.models import AuditEvent
from grannar.reporting.reports import final_report, final_summary
from grannar.training.models import Session
from tests.collaboration.figure_data import outcome, plan, routine, workshop
from tests.factories import make_person, sign_in
from tests.pdf_checks import overlapping_words
from tests.reporting.builders import attend, held

pytestmark = pytest.mark.django_db

Status = Routine.Status
SHORT_PAGES = 6  # the short version is "a few pages"


def pdf_pages(content: bytes) -> list[str]:
    return [
        page.extract_text().replace("\xa0", " ").replace("\u202f", " ")
        for page in PdfReader(io.BytesIO(content)).pages
    ]


def html_text(html: str) -> str:
    text = re.sub(r"<[^>]*>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    return re.sub(r"\s+", " ", unescape(text).replace("\xa0", " "))


def later_session(course, on: dt.date, *, cancelled: bool = False) -> Session:
    starts = timezone.make_aware(dt.datetime.combine(on, dt.time(9)))
    return Session.objects.create(
        course=course,
        code=f"{course.code}-{on:%Y%m%d}",
        starts=starts,
        ends=starts + dt.timedelta(hours=3),
        credited_hours=course.credited_hours,
        capacity=30,
        status=Session.Status.CANCELLED if cancelled else Session.Status.SCHEDULED,
    )


@pytest.fixture
def lasting(populated):
    """On top of `populated` (Mölndal own, Partille other):

    Workshops: Mölndal (social services, housing, school) with routines "Gemensam skolstart"
    (followed up, still in use), "Hembesök" (adopted) and "Utkast om fritid" (draft); Partille
    (social services twice and school: two sectors) with "Samordnad plan" (testing).
    Plans: a participant's workplace in Mölndal adopted, another draft.
    Courses handed over: "Traumamedveten omsorg" on 2024-06-01 with two sessions after (six
    people attended them; a cancelled one does not count); "Barnkonventionen i praktiken" on
    2024-07-01 with one session after (two people: hidden as "<5").
    Support resources' outcomes: work 5, studies 2, unknown 1 (studies and unknown hidden).
    Lessons: one on the programme, one on Mölndal's workshop, one on a routine, one on a course.
    """
    programme, own, other = populated["programme"], populated["own"], populated["other"]
    molndal = workshop(programme, own, sectors=["socialtjanst", "boende", "skola"])
    molndal.focus = "Skolstart för nyanlända barn"
    molndal.save()
    partille = workshop(programme, other, sectors=["socialtjanst", "socialtjanst", "skola"])
    start = routine(molndal, Status.FOLLOWED_UP, adopted_on=dt.date(2024, 10, 1))
    Routine.objects.filter(pk=start.pk).update(
        title="Gemensam skolstart",
        followed_up_on=dt.date(2025, 4, 1),
        in_use=Routine.InUse.YES,
    )
    visit = routine(molndal, Status.ADOPTED, adopted_on=dt.date(2025, 1, 10))
    Routine.objects.filter(pk=visit.pk).update(title="Hembesök")
    draft = routine(molndal)
    Routine.objects.filter(pk=draft.pk).update(title="Utkast om fritid")
    testing = routine(partille, Status.TESTING, testing_from=dt.date(2025, 2, 1))
    Routine.objects.filter(pk=testing.pk).update(title="Samordnad plan")

    people = populated["people"]
    plan(programme, people[0].workplace, CompetencePlan.Status.ADOPTED, dt.date(2025, 1, 15))
    plan(programme, people[1].workplace, CompetencePlan.Status.DRAFT)

    trauma = held(programme, on=dt.date(2024, 4, 2)).course
    trauma.title = "Traumamedveten omsorg"
    trauma.handed_over_on = dt.date(2024, 6, 1)
    trauma.receiving_organiser = "Regionens utbildningsenhet"
    trauma.save()
    rights = held(programme, on=dt.date(2024, 4, 3)).course
    rights.title = "Barnkonventionen i praktiken"
    rights.handed_over_on = dt.date(2024, 7, 1)
    rights.save()
    first, second = (later_session(trauma, dt.date(2024, 10, d)) for d in (1, 8))
    later_session(trauma, dt.date(2024, 11, 5), cancelled=True)
    third = later_session(rights, dt.date(2024, 9, 9))
    for i in range(6):
        attend(make_person(municipality=own), first if i < 4 else second)
    for _i in range(2):
        attend(make_person(municipality=other), third)

    results = [Outcome.Result.WORK] * 5 + [Outcome.Result.STUDIES] * 2 + [Outcome.Result.UNKNOWN]
    for result in results:
        young = make_person(municipality=own, support_resource=True)
        outcome(young, programme, Outcome.Moment.PROGRAMME_END, result, dt.date(2025, 5, 1))

    Lesson.objects.create(
        programme=programme,
        title="Börja med mötet",
        context="Förvaltningarna kände inte varandra.",
        what_we_did="Gemensamma frukostar varje månad.",
        what_happened="Fler ärenden löstes utan remiss.",
        recommendation="Låt grupperna träffas innan arbetet börjar.",
    )
    Lesson.objects.create(
        programme=programme,
        title="Skolan först",
        context="c",
        what_we_did="w",
        what_happened="h",
        recommendation="Bjud in rektorerna tidigt.",
        workshop=molndal,
    )
    Lesson.objects.create(
        programme=programme,
        title="Uppföljning tar tid",
        context="c",
        what_we_did="w",
        what_happened="h",
        recommendation="Boka uppföljningen redan vid beslutet.",
        routine=start,
    )
    Lesson.objects.create(
        programme=programme,
        title="Kursen lever vidare",
        context="c",
        what_we_did="w",
        what_happened="h",
        recommendation="Lämna över kursen med färdigt material.",
        course=trauma,
    )
    return populated


def test_final_report_shows_each_municipalitys_pilot_workshop(lasting):
    with translation.override("sv"):
        document = final_report(lasting["programme"])
        pages = pdf_pages(document.as_pdf())
        html = html_text(document.as_html())
    molndal = next(p for p in pages if "Mölndal" in p and "Pilotverkstad" in p)
    assert "Skolstart för nyanlända barn" in molndal
    assert "Boende (HVB-hem, stödboende, familjehem), Skola och elevhälsa, Socialtjänst" in molndal
    assert re.search(r"Gemensam skolstart\s+Följts upp\s+2024-10-01\s+Ja", molndal)
    assert re.search(r"Hembesök\s+Antagen\s+2025-01-10", molndal)
    assert "Utkast om fritid Utkast" in molndal
    assert "2 av de 3 sektorer" not in molndal
    partille = next(p for p in pages if "Partille" in p and "Pilotverkstad" in p)
    # Two people from social services and one from school: two sectors, said in plain words.
    assert "Gruppen spänner över 2 av de 3 sektorer" in partille
    assert re.search(r"Samordnad plan\s+Prövas", partille)
    for text in ("Skolstart för nyanlända barn", "Gruppen spänner över 2 av de 3 sektorer"):
        assert text in html


def test_final_report_has_a_chapter_on_lasting_change(lasting):
    with translation.override("sv"):
        document = final_report(lasting["programme"])
        text = "\n".join(pdf_pages(document.as_pdf()))
        html = html_text(document.as_html())
    # Table cells wrap inside their column: read the chapter as one line.
    chapter = " ".join(
        text[text.index("Bestående förändring") : text.index("Vad kan vi lära?")].split()
    )
    assert re.search(r"Pilotverkstäder\s+2\b", chapter)
    assert re.search(r"Pilotverkstäder som spänner över tre eller fler sektorer\s+1\b", chapter)
    assert re.search(r"Rutiner antagna \(uppföljda medräknade\)\s+2\b", chapter)
    assert re.search(r"Mölndal\s+Gemensam skolstart\s+2024-10-01\s+2025-04-01\s+Ja", chapter)
    assert re.search(r"Mölndal\s+Hembesök\s+2025-01-10\s+–\s+–", chapter)
    assert "Samordnad plan" not in chapter  # only adopted and followed-up routines
    # Plans: one of the participants' workplaces has an adopted plan; one plan is a draft.
    assert re.search(r"Planernas täckning\s+\d+,\d %", chapter)
    assert re.search(r"Utkast\s+1\b", chapter)
    assert re.search(r"Antagen\s+1\b", chapter)
    # Handed-over courses: name, date, organiser, sessions after, people attending them.
    assert re.search(
        r"Traumamedveten omsorg\s+2024-06-01\s+Regionens utbildningsenhet\s+2\s+6", chapter
    )
    assert re.search(r"Barnkonventionen i praktiken\s+2024-07-01\s+–\s+1\s+<5", chapter)
    # Outcomes: five at work shown, the two small groups hidden, the total shown.
    assert re.search(r"Arbete\s+5\b", chapter)
    assert re.search(r"Studier\s+<5", chapter)
    assert re.search(r"Okänt\s+<5", chapter)
    assert re.search(r"Summa\s+8\b", chapter)
    assert "Studier 2" not in chapter
    for words in ("Bestående förändring", "Traumamedveten omsorg", "Regionens utbildningsenhet"):
        assert words in html
    assert not re.search(r"Studier\s+2\b", html)


def test_final_report_lessons_grouped_by_what_they_are_tied_to(lasting):
    with translation.override("sv"):
        document = final_report(lasting["programme"])
        text = "\n".join(pdf_pages(document.as_pdf()))
        html = html_text(document.as_html())
    chapter = text[text.index("Vad kan vi lära?") : text.index("Utvärdering")]
    order = [
        "Projektet som helhet",
        "Börja med mötet",
        "Pilotverkstad: Mölndal",
        "Skolan först",
        "Rutin: Gemensam skolstart",
        "Uppföljning tar tid",
        "Kurs: Traumamedveten omsorg",
        "Kursen lever vidare",
    ]
    positions = [chapter.index(item) for item in order]
    assert positions == sorted(positions)
    for label, value in [
        ("Sammanhang", "Förvaltningarna kände inte varandra."),
        ("Vad vi gjorde", "Gemensamma frukostar varje månad."),
        ("Vad som hände", "Fler ärenden löstes utan remiss."),
        ("Rekommendation", "Låt grupperna träffas innan arbetet börjar."),
    ]:
        assert re.search(rf"{label}\s+{re.escape(value)}", chapter)
        assert f"{label} {value}" in html


def test_final_report_without_collaboration_records_says_so(populated):
    with translation.override("sv"):
        text = "\n".join(pdf_pages(final_report(populated["programme"]).as_pdf()))
    for sentence in (
        "Ingen är registrerad för kommunen.",
        "Ingen rutin har antagits än.",
        "Ingen kurs har lämnats över till det ordinarie utbudet än.",
        "Inget resultat har registrerats för stödresurserna än.",
        "Inga lärdomar har registrerats än.",
    ):
        assert sentence in text


def test_full_and_short_report_print_no_word_over_another(lasting):
    with translation.override("sv"):
        full = final_report(lasting["programme"]).as_pdf()
        short = final_summary(lasting["programme"]).as_pdf()
    assert overlapping_words(full) == []
    assert overlapping_words(short) == []


def test_short_report_holds_the_headline_figures_and_recommendations(lasting, tmp_path):
    code = lasting["programme"].code
    # A dozen lessons, as the programme had, with recommendations of a few lines each.
    for n in range(8):
        Lesson.objects.create(
            programme=lasting["programme"],
            title=f"Lärdom {n + 5}",
            context="c",
            what_we_did="w",
            what_happened="h",
            recommendation="Planera tid för samverkan i varje förvaltnings budget, "
            "förankra arbetet hos chefer i alla tre sektorer och följ upp rutinerna "
            "med samma grupp som tog fram dem, så att de lever kvar efter projektet. " * 2,
        )
    output = tmp_path / "kort.pdf"
    with translation.override("sv"):
        call_command(
            "report", "final", "--programme", code, "--format", "pdf", "--summary",
            "--output", output,
        )  # fmt: skip
    pages = pdf_pages(output.read_bytes())
    assert 2 <= len(pages) <= SHORT_PAGES
    text = "\n".join(pages)
    assert "Slutrapport i korthet" in text
    # Fifteen participants against the reference file's target of 1 100.
    assert re.search(r"Deltagare\s+15\b", text)
    assert re.search(r"Mål\s+1 100\b", text)
    assert re.search(r"Närvarotimmar\s+\d", text)
    assert re.search(r"Medfinansiering \(kr\)\s+\d", text)
    assert re.search(r"Pilotverkstäder\s+2\b", text)
    assert re.search(r"Kurser överlämnade till det ordinarie utbudet\s+2\b", text)
    for recommendation in (
        "Låt grupperna träffas innan arbetet börjar.",
        "Bjud in rektorerna tidigt.",
        "Boka uppföljningen redan vid beslutet.",
        "Lämna över kursen med färdigt material.",
    ):
        assert recommendation in text
    # The short version leaves out the municipalities, the sessions and the evaluation.
    assert "Pilotverkstadens rutiner" not in text
    assert "Datum Kurs Plats Närvarande" not in text
    assert "Utvärdering" not in text
    event = AuditEvent.objects.get(action="reporting.final.made")
    assert event.data == {"format": "pdf", "summary": True}

    html = tmp_path / "kort.html"
    call_command(
        "report", "final", "--programme", code, "--format", "html", "--summary", "--output", html
    )
    page = html_text(html.read_text(encoding="utf-8"))
    assert "Slutrapport i korthet" in page
    assert "Bjud in rektorerna tidigt." in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["summary", "--programme", "nya-grannar", "--format", "pdf", "--summary"],
            "--summary hör till report final",
        ),
        (
            ["final", "--programme", "nya-grannar", "--format", "json", "--summary"],
            "inte som json",
        ),
        (["final", "--programme", "nya-grannar", "--summary"], "behöver --format"),
    ],
)
def test_summary_flag_refusals(programme, args, message):
    with translation.override("sv"), pytest.raises(CommandError, match=message):
        call_command("report", *args)
    assert not AuditEvent.objects.filter(action__startswith="reporting.").exists()


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_dashboard_offers_the_short_report(lasting, client, role):
    code = lasting["programme"].code
    sign_in(client, lasting["users"][role])
    dashboard = client.get(reverse("reporting:dashboard", args=[code])).content.decode()
    for fmt in ("pdf", "html"):
        url = reverse("reporting:final_summary", args=[code, fmt])
        assert f'href="{url}"' in dashboard
    response = client.get(reverse("reporting:final_summary", args=[code, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "slutrapport-i-korthet" in response["Content-Disposition"]
    assert any("Bjud in rektorerna tidigt." in page for page in pdf_pages(response.content))
    page = client.get(reverse("reporting:final_summary", args=[code, "html"]))
    assert page.status_code == 200
    assert "Slutrapport i korthet" in page.content.decode()
    assert client.get(reverse("reporting:final_summary", args=[code, "xlsx"])).status_code == 404
    assert AuditEvent.objects.filter(
        action="reporting.final.made", data={"format": "pdf", "summary": True}
    ).exists()


@pytest.mark.parametrize("role", ["coordinator", "evaluator", "participant"])
def test_short_report_refused_to_others(lasting, client, role):
    code = lasting["programme"].code
    sign_in(client, lasting["users"][role])
    dashboard = client.get(reverse("reporting:dashboard", args=[code]))
    assert reverse("reporting:final_summary", args=[code, "pdf"]) not in dashboard.content.decode()
    response = client.get(reverse("reporting:final_summary", args=[code, "pdf"]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="reporting.final.made").exists()


def test_lessons_print_their_text_as_written(populated):
    Lesson.objects.create(
        programme=populated["programme"],
        title="<script>alert(1)</script> #set page(width: 1cm)",
        context="Rad ett\nrad två",
        what_we_did="$x$ och *fet*",
        what_happened="h",
        recommendation="r",
    )
    with translation.override("sv"):
        document = final_report(populated["programme"])
        html = document.as_html()
        text = "\n".join(pdf_pages(document.as_pdf()))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; #set page(width: 1cm)" in html
    assert "Rad ett<br>rad två" in html
    assert "<script>alert(1)</script> #set page(width: 1cm)" in text
    assert "$x$ och *fet*" in text
