"""The summary in every format, the final report, and the command that makes them."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from grannar.core.models import AuditEvent
from grannar.people.services import person_update
from grannar.programmes.models import Municipality, StaffCategory
from grannar.programmes.services import programme_load
from grannar.reporting.counting import figures
from grannar.reporting.reports import final_report
from grannar.training.facts import Scope
from tests.factories import make_person, sign_in
from tests.reporting.builders import attend, held


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def summary_json(code: str, capsysbinary) -> dict:
    call_command("report", "summary", "--programme", code, "--format", "json")
    return json.loads(capsysbinary.readouterr().out)


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def number(text: str) -> int:
    return int(text.replace("\xa0", "").replace(" ", "").replace("\u202f", ""))


def dashboard_tables(html: str) -> dict[str, dict[str, int]]:
    """The dashboard's data tables: breakdown → code → count."""
    import re
    from html import unescape as html_unescape

    tables = {}
    for key, body in re.findall(r'data-breakdown="(\w+)"(.*?)</table>', html, re.S):
        tables[key] = {
            html_unescape(code): number(value)
            for code, value in re.findall(r'data-code="([^"]*)">([^<]*)</td>', body)
        }
    return tables


def test_json_xlsx_pdf_and_dashboard_agree(populated, tmp_path, capsysbinary, client):
    code = populated["programme"].code
    summary = summary_json(code, capsysbinary)
    assert summary["participants"] == 15
    assert summary["support_resources"] == 1
    assert summary["by_municipality"] == {"1402": 3, "1481": 12}

    xlsx = tmp_path / "s.xlsx"
    call_command("report", "summary", "--programme", code, "--format", "xlsx", "--output", xlsx)
    book = load_workbook(xlsx)
    key = {row[0]: row[1] for row in book["Nyckeltal"].iter_rows(values_only=True)}
    assert key["Deltagare"] == summary["participants"]
    assert key["Genomförda tillfällen"] == summary["sessions_held"]
    assert key["Närvarotimmar"] == summary["attended_hours"]
    assert key["Medfinansiering"] == summary["cofinancing_sek"]
    sheets = {sheet.title: sheet for sheet in book.worksheets[2:]}
    by_municipality = {
        row[0]: row[2] for row in sheets["Kommun"].iter_rows(min_row=2, values_only=True) if row[0]
    }
    assert by_municipality == summary["by_municipality"]
    by_gender = {
        row[0]: row[1]
        for row in sheets["Kön"].iter_rows(min_row=2, values_only=True)
        if row[0] != "Summa"
    }
    names = {"kvinna": "Kvinna", "man": "Man", "annat": "Annat"}
    assert by_gender == {names[code]: count for code, count in summary["by_gender"].items()}

    pdf = tmp_path / "s.pdf"
    call_command("report", "summary", "--programme", code, "--format", "pdf", "--output", pdf)
    text = pdf_text(pdf.read_bytes())
    assert f"Deltagare {summary['participants']}" in text
    assert f"Närvarotimmar {summary['attended_hours']}" in text
    cofinancing = f"{summary['cofinancing_sek']:,}".replace(",", " ")
    assert f"Medfinansiering (kr) {cofinancing}" in text
    for municipality, count in summary["by_municipality"].items():
        assert f"{Municipality.objects.get(code=municipality).name} {count}" in text

    sign_in(client, populated["users"]["admin"])
    html = client.get(f"/reporting/{code}/").content.decode()
    tables = dashboard_tables(html)
    for key in ("by_municipality", "by_staff_category", "by_gender", "by_age_band", "by_subgoal"):
        assert tables[key] == summary[key], key


def test_summary_xlsx_keeps_hostile_names_as_text(populated):
    """A municipality or category name that looks like a formula stays text; figures stay
    numbers."""
    from grannar.reporting.reports import summary_xlsx

    Municipality.objects.filter(code="1481").update(name='=HYPERLINK("http://evil.example")')
    StaffCategory.objects.filter(code="pedagogisk").update(name="@SUM(A1:A9)")
    book = load_workbook(io.BytesIO(summary_xlsx(populated["programme"], made_by="Test")))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert {'\'=HYPERLINK("http://evil.example")', "'@SUM(A1:A9)"} <= texts
    key = {row[0]: row[1] for row in book["Nyckeltal"].iter_rows(values_only=True)}
    assert key["Deltagare"] == 15


def test_figures_identical_across_entry_points(populated):
    """The command, the counting module and the report module share one set of figures."""
    result = figures(Scope(programme=populated["programme"]))
    assert result.as_summary()["attended_hours"] == 2 + 3 * 5 + 6 * 6 + 3 * 4 + 3 * 3


def test_another_programme_file_reports_with_its_own_codes_and_rates(db, no_scope, capsysbinary):
    text = Path(__file__).with_name("other-programme.toml").read_text(encoding="utf-8")
    programme = programme_load(text=text).programme
    north, south = Municipality.objects.get(code="9901"), Municipality.objects.get(code="9902")
    session = held(programme, on=__import__("datetime").date(2025, 5, 5), credited="4")
    from grannar.programmes.models import StaffCategory

    nurse = StaffCategory.objects.get(code="sjukskoterska")
    guide = StaffCategory.objects.get(code="vagledare")
    for municipality, category in [(north, nurse), (north, guide), (south, guide)]:
        attend(make_person(municipality=municipality, staff_category=category), session)
    summary = summary_json("annat-program", capsysbinary)
    assert summary["target_participants"] == 40
    assert summary["participants"] == 3
    assert summary["attainment"] == 0.075
    assert summary["by_municipality"] == {"9901": 2, "9902": 1}
    assert summary["by_staff_category"] == {"sjukskoterska": 1, "vagledare": 2}
    # 4 h × 550 kr for the nurse, 4 h × the programme's 200 kr for each guide.
    assert summary["cofinancing_sek"] == 4 * 550 + 2 * 4 * 200
    assert summary["by_subgoal"] == {}


def test_final_report_pdf_and_html(populated, tmp_path):
    code = populated["programme"].code
    pdf = tmp_path / "f.pdf"
    call_command("report", "final", "--programme", code, "--format", "pdf", "--output", pdf)
    text = pdf_text(pdf.read_bytes())
    for heading in ("Nyckeltal mot mål", "Kommuner", "Delmål", "Genomförda tillfällen"):
        assert heading in text
    assert "Utvärdering" in text
    assert "Mölndal" in text
    assert "Partille" in text
    for session in populated["sessions"]:
        assert session.course.title in text

    html = tmp_path / "f.html"
    call_command("report", "final", "--programme", code, "--format", "html", "--output", html)
    page = html.read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    assert page.count("<svg") >= 7  # reached over time and six breakdowns
    assert "<script" not in page
    assert AuditEvent.objects.filter(action="reporting.final.made").count() == 2


def test_final_report_document_has_a_page_per_municipality_and_subgoal(populated):
    document = final_report(populated["programme"])
    headings = [b["text"] for b in document.blocks if b["type"] == "heading" and b["level"] == 2]
    names = {
        m.municipality.name for m in populated["programme"].memberships.all() if m.participates
    }
    subgoals = {f"{s.number}. {s.title}" for s in populated["programme"].subgoals.all()}
    assert names | subgoals <= set(headings)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["final", "--programme", "nya-grannar", "--format", "json"], "inte som json"),
        (["summary", "--programme", "nya-grannar", "--format", "html"], "inte som html"),
        (["summary", "--programme", "finns-inte", "--format", "json"], "inget projekt"),
    ],
)
def test_command_refusals(programme, args, message):
    with translation.override("sv"), pytest.raises(CommandError, match=message):
        call_command("report", *args)


def test_command_reports_an_unwritable_output(programme, tmp_path):
    with pytest.raises(CommandError, match="missing"):
        call_command(
            "report",
            "summary",
            "--programme",
            programme.code,
            "--format",
            "xlsx",
            "--output",
            tmp_path / "missing" / "s.xlsx",
        )


def test_summary_workbook_has_labels_shares_and_formatted_numbers(populated, client):
    admin = populated["users"]["admin"]
    sign_in(client, admin)
    response = client.get("/reporting/nya-grannar/summary.xlsx")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sammanfattning-nya-grannar-')
    book = load_workbook(io.BytesIO(response.content))
    about = dict(book["Om filen"].iter_rows(min_row=2, values_only=True))
    assert about["Skapad av"] == admin.email
    assert about["Period"] == "2016-04-01 – 2018-12-31"
    key = {row[0].value: row[1] for row in book["Nyckeltal"].iter_rows(min_row=2)}
    assert (key["Måluppfyllelse"].value, key["Måluppfyllelse"].number_format) == (
        round(15 / 1100, 3),
        "0.0 %",
    )
    assert key["Medfinansiering"].number_format == '#,##0 "kr"'
    assert key["Medfinansiering"].data_type == "n"
    assert key["Deltagare"].number_format == "#,##0"
    municipalities = list(book["Kommun"].iter_rows(values_only=True))
    assert municipalities[0] == ("Kommunkod", "Kommun", "Deltagare", "Andel")
    assert ("1481", "Mölndal", 12, 0.8) in municipalities
    assert ("1402", "Partille", 3, 0.2) in municipalities
    share = book["Kommun"]["D2"]
    assert share.number_format == "0.0 %"
    bands = {row[0] for row in book["Åldersgrupp"].iter_rows(min_row=2, values_only=True)}
    assert bands == {"25–54 år", "55 år och äldre", "Summa"}
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == (
            f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        )
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(width >= len(str(c.value)) for width, c in zip(widths, sheet[1], strict=True))


def test_summary_workbook_names_the_unknown_in_words(populated):
    from grannar.reporting.reports import summary_xlsx

    person_update(person=populated["people"][0], by=None, birth_year=None, gender="okand")
    book = load_workbook(io.BytesIO(summary_xlsx(populated["programme"], made_by="Test")))
    bands = {row[0] for row in book["Åldersgrupp"].iter_rows(min_row=2, values_only=True)}
    genders = {row[0] for row in book["Kön"].iter_rows(min_row=2, values_only=True)}
    assert "Okänt" in bands
    assert "Ej angivet" in genders
    assert "okand" not in bands | genders
