"""Masking of personal data that respondents type into free-text answers, before an evaluator
sees the text on a page or in an export: e-mail addresses, personnummer and samordningsnummer
(with or without century, with or without separator) and Swedish phone numbers."""

import re

from django.utils.translation import gettext as _

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# YYMMDD or YYYYMMDD, then an optional separator and four digits. The day may be 61-91: a
# samordningsnummer adds 60 to the day.
_PERSONNUMMER = re.compile(
    r"(?<![\d-])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
    r"[-+ ]?\d{4}(?![\d-])"
)
# 07x-xxx xx xx, 08-xxx xx xx, +46 70 xxx xx xx, 0046 ...: a leading 0 or country code, then
# at least seven more digits, with spaces or dashes between groups.
_PHONE = re.compile(r"(?<![\w+])(?:\+46|0046|0)[ -]?\d{1,3}(?:[ -]?\d){5,8}(?!\d)")


def mask_personal_data(text: str | None) -> str | None:
    """The text with e-mail addresses, personnummer and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL.sub(_("[e-mail address]"), text)
    text = _PERSONNUMMER.sub(_("[personal identity number]"), text)
    return _PHONE.sub(_("[phone number]"), text)
