"""The final report carries the programme's funding statement on its cover."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from grannar.programmes.models import Programme
from grannar.programmes.services import programme_load
from grannar.reporting.reports import final_report

pytestmark = pytest.mark.django_db

STATEMENT = "Europeiska unionen, Europeiska socialfonden"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def cover_text(content: bytes) -> str:
    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_final_report_of_a_funded_programme(programme, no_scope):
    document = final_report(programme)
    assert STATEMENT in cover_text(document.as_pdf())
    page = document.as_html()
    cover = page[page.index('<header class="cover">') : page.index("</header>")]
    assert STATEMENT in cover
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in cover
    assert 'role="img"><title>Europeiska unionens flagga</title>' in cover


def test_statement_without_emblem(programme, no_scope):
    Programme.objects.filter(pk=programme.pk).update(funding_emblem="none")
    programme.refresh_from_db()
    page = final_report(programme).as_html()
    assert STATEMENT in page
    assert "Europeiska unionens flagga" not in page


def test_final_report_of_a_programme_without_a_statement(db, no_scope):
    text = Path(__file__).with_name("other-programme.toml").read_text(encoding="utf-8")
    document = final_report(programme_load(text=text).programme)
    pdf = pdf_text(document.as_pdf())
    assert "Ett annat program" in pdf
    assert "Europeiska" not in pdf
    page = document.as_html()
    assert "funding-statement" not in page.split("</style>")[1]
    assert "Europeiska" not in page
