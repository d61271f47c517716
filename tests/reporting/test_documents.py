"""The final report and the summary as readers get them: long tables that break across pages
without printing over themselves, Swedish number form, names instead of codes, and the HTML
report opening in the browser."""

import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django_scopes import scopes_disabled
from pypdf import PdfReader

from grannar.core.numbers import number, percent, signed
from grannar.core.pdf import render_pdf
from grannar.core.rules import AGE_BANDS
from grannar.demo import demo_load
from grannar.programmes.models import Format, Municipality, StaffCategory
from grannar.reporting.documents import TEMPLATE, style_sources
from grannar.reporting.reports import final_report, final_summary, summary_document
from tests.factories import sign_in
from tests.pdf_checks import overlapping_words

pytestmark = pytest.mark.django_db

BREAKABLE = "#show figure: set block(breakable: true)"


@pytest.fixture
def region_demo():
    """The demo `make run` loads: its session table is several pages long."""
    with scopes_disabled():
        yield demo_load().programme


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def session_table_pages(pages: list[str]) -> list[int]:
    """Pages that carry the session table's header row (date, course, place, attended)."""
    return [
        number
        for number, text in enumerate(pages, start=1)
        if re.search(r"^\s*Datum Kurs Plats Närvarande\s*$", text, re.M)
    ]


def test_demo_final_report_and_summary_print_no_word_over_another(region_demo, tmp_path):
    document = final_report(region_demo)
    pdf = document.as_pdf()
    pages = session_table_pages(pages_text(pdf))
    # The table runs over several consecutive pages, its header repeated on each.
    assert len(pages) >= 3
    assert pages == list(range(pages[0], pages[0] + len(pages)))
    assert overlapping_words(pdf) == []
    assert overlapping_words(summary_document(region_demo).as_pdf()) == []
    assert overlapping_words(final_summary(region_demo).as_pdf()) == []

    # The control: with tables kept whole, as figures are by default, the long session table
    # is pushed onto one page and printed over itself, and the check says so.
    unbroken = tmp_path / "document.typ"
    source = TEMPLATE.read_text(encoding="utf-8")
    assert BREAKABLE in source
    unbroken.write_text(source.replace(BREAKABLE, ""), encoding="utf-8")
    overprinted = render_pdf(
        unbroken, {"title": document.title, "lang": document.lang, "blocks": document.blocks}
    )
    found = overlapping_words(overprinted)
    assert found
    assert len({overlap.page for overlap in found}) == 1


def test_overlap_check_finds_words_printed_over_each_other(tmp_path):
    template = tmp_path / "overprint.typ"
    template.write_text(
        "#set page(width: 10cm, height: 5cm)\n"
        "Deltagare per kommun\n"
        "#place(top + left, dy: 2pt)[#text(fill: red)[Summa 1 718]]\n"
        "#pagebreak()\n"
        "Deltagare #h(1cm) Kommun\n",
        encoding="utf-8",
    )
    found = overlapping_words(render_pdf(template, {}))
    assert found
    assert {overlap.page for overlap in found} == {1}
    assert "page 1:" in str(found[0])


def test_demo_documents_show_swedish_numbers_and_names_not_codes(region_demo):
    document = final_report(region_demo)
    pdf_text = "\n".join(pages_text(document.as_pdf()))
    summary_text = "\n".join(pages_text(summary_document(region_demo).as_pdf()))
    html = document.as_html()
    html_text = unescape(
        re.sub(r"<[^>]*>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    )
    for text in (pdf_text, summary_text, html_text):
        # No decimal point, no thousands without their space, percentages with a comma.
        assert not re.search(r"\d\.\d", text)
        assert not re.search(
            r"(?<![\d-])\d{4,}(?![\d-])", re.sub(r"\d{4}-\d{2}(-\d{2})?", "", text)
        )
        assert re.search(r"\d+,\d[\xa0 ]%", text)
        words = set(re.findall(r"[\w<>-]+", text))
        codes = {
            *Municipality.objects.values_list("code", flat=True),
            # A code that is a word of its own name ("pilotverkstad" of "Lokal pilotverkstad",
            # "socialsekreterare") is a word readers meet in text too: a focus or a lesson.
            *(
                c
                for model in (StaffCategory, Format)
                for c, n in model.objects.values_list("code", "name")
                if c not in n.casefold().split()
            ),
            *(band for band in AGE_BANDS),
            "kvinna",
            "annat",
        }
        assert not words & codes
    assert "Under 25 år" in pdf_text
    # Places in Swedish alphabetical order, so a reader finds a name.
    by_municipality = next(
        b
        for b in document.blocks
        if b["type"] == "table" and b["caption"] == "Deltagare per kommun"
    )
    assert [row[0] for row in by_municipality["rows"]] == [
        *("Alingsås", "Göteborg", "Härryda", "Kungälv", "Lerum", "Lilla Edet", "Mölndal"),
        *("Partille", "Stenungsund", "Tjörn", "Öckerö", "Summa"),
    ]
    assert "Elevhälsa" in summary_text
    # Grouped thousands in the HTML are the same no-break space as on the pages.
    assert re.search(r">\d{1,3}\xa0\d{3}<", html)


def test_overlap_check_allows_kerning_in_large_headings_but_not_overprint(tmp_path):
    template = tmp_path / "heading.typ"
    template.write_text(
        "#set page(width: 12cm, height: 5cm)\n"
        "#text(size: 17pt)[Vad kan vi lära?]\n"
        "#pagebreak()\n"
        "#text(size: 17pt)[Vad kan vi lära?]\n"
        "#place(top + left, dx: 3pt)[#text(size: 17pt)[Vad kan vi lära?]]\n",
        encoding="utf-8",
    )
    found = overlapping_words(render_pdf(template, {}))
    assert found
    assert {overlap.page for overlap in found} == {2}


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1718, None, "1\xa0718"),
        (2931600, None, "2\xa0931\xa0600"),
        (3.456, 2, "3,46"),
    ],
)
def test_numbers_in_swedish_form(value, decimals, expected):
    assert number(value, decimals) == expected


def test_percent_and_signed_changes_in_swedish_form():
    assert percent(1.585) == "158,5\xa0%"
    assert percent(0.0136) == "1,4\xa0%"
    assert signed(0.456, 2) == "+0,46"
    assert signed(-0.4, 2) == "-0,40"
    assert signed(0, 2) == "0,00"


def test_html_final_report_opens_in_the_browser_with_its_own_style_allowed(world, client):
    code = world["programme"].code
    sign_in(client, world["users"]["admin"])
    response = client.get(reverse("reporting:final_report", args=[code, "html"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert "text/html" in response["Content-Type"]
    html = response.content.decode()
    sources = style_sources(html)
    assert len(sources) == 1
    policy = response["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]*)", policy).group(1).split()
    assert style_src == ["'self'", sources[0]]
    assert "unsafe-inline" not in policy
    assert " style=" not in html

    pdf = client.get(reverse("reporting:final_report", args=[code, "pdf"]))
    assert pdf["Content-Disposition"].startswith("attachment;")
    pdf_style_src = re.search(r"style-src ([^;]*)", pdf["Content-Security-Policy"]).group(1)
    assert pdf_style_src.split() == ["'self'"]


@pytest.mark.parametrize("role", ["coordinator", "evaluator", "participant", "trainer"])
def test_html_final_report_is_refused_to_other_roles(world, client, role):
    sign_in(client, world["users"][role])
    response = client.get(reverse("reporting:final_report", args=[world["programme"].code, "html"]))
    assert response.status_code == 403


def test_style_sources_hash_every_style_block():
    assert style_sources("<p>no style</p>") == []
    # sha256 of "a{}" in base64, as a browser computes it
    assert style_sources("<style>a{}</style>") == [
        "'sha256-X1RutGBrXCt9KkSaXMK7tHftWiRscFHOhxsS8tv8hBk='"
    ]
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == ["'self'"]
