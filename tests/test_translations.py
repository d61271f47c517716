"""The Swedish catalogue is complete and its compiled file matches it."""

import gettext
import re

from django.conf import settings

PO = settings.BASE_DIR / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries() -> list[tuple[str, str]]:
    text = PO.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        context = re.search(r'^msgctxt "(.*)"', block, re.M)
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        if msgid:
            joined = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            if context:  # gettext keys a message with a context as "context\x04msgid"
                joined = f"{context.group(1)}\x04{joined}"
            entries.append((joined, ["".join(re.findall(r'"(.*)"', m)) for m in msgstrs]))
    return entries


def test_every_interface_text_has_a_swedish_translation():
    untranslated = [msgid for msgid, msgstrs in po_entries() if not all(msgstrs)]
    assert not untranslated
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    compiled = {key if isinstance(key, str) else key[0] for key in catalogue._catalog if key}
    assert compiled == {unescape(msgid) for msgid, _ in po_entries()}


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


def test_a_cancelled_registration_and_a_cancelled_session_read_differently():
    from django.utils import translation

    from grannar.training.models import Registration, Session

    with translation.override("sv"):
        assert str(Registration.Status.CANCELLED.label) == "avbokad"
        assert str(Session.Status.CANCELLED.label) == "inställt"
