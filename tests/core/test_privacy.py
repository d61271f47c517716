"""Masking of personal data typed into free text."""

import pytest
from django.utils import translation

from grannar.core.privacy import mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "Mejla mig på Åsa.Öberg@göteborg.se så hörs vi.",
            "Mejla mig på [e-postadress] så hörs vi.",
        ),
        ("Pnr 19850101-1234, tack.", "Pnr [personnummer], tack."),
        ("Pnr 198501011234", "Pnr [personnummer]"),
        ("Pnr 850101-1234 och 850101+1234", "Pnr [personnummer] och [personnummer]"),
        ("Pnr 8501011234.", "Pnr [personnummer]."),
        ("Samordningsnummer 850161-1238", "Samordningsnummer [personnummer]"),
        ("Ring 070-123 45 67 eller 08-123 456 78", "Ring [telefonnummer] eller [telefonnummer]"),
        ("Ring +46 70 123 45 67", "Ring [telefonnummer]"),
    ],
)
def test_personal_data_is_masked(text, masked):
    with translation.override("sv"):
        assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Kursen 2024-03-15 var bra, 3 timmar, betyg 4-5.",
        "Vi var 15 deltagare under 2023-2024 och 12 av 15 var nöjda.",
        "Rutin nr 20240315 antogs.",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_nothing_stays_nothing():
    assert mask_personal_data(None) is None
