"""Files offered for download: Swedish names that survive every browser and file system."""

import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse


def file_name(*parts: object, extension: str) -> str:
    """Parts joined by hyphens, lower case, letters (å, ä and ö too), digits and hyphens only:
    `file_name("Deltagare", "nya-grannar", "2026-12", extension="xlsx")`."""
    words = "-".join(str(part) for part in parts if str(part)).lower()
    name = re.sub(r"[^\w-]+", "-", words, flags=re.UNICODE).strip("-_")
    return f"{re.sub(r'-{2,}', '-', name)}.{extension}"


def ascii_name(name: str) -> str:
    """The name with å, ä and ö as a, a and o, and anything else outside ASCII left out."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def attachment(
    content: bytes | str, *, filename: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """A download: an ASCII name for old programs, and the real one in `filename*` (RFC 6266).
    `inline` opens it in the browser instead (saving it keeps the name)."""
    response = HttpResponse(content, content_type=content_type)
    plain = ascii_name(filename).replace('"', "")
    disposition = f'{"inline" if inline else "attachment"}; filename="{plain}"'
    if plain != filename:
        disposition += f"; filename*=UTF-8''{quote(filename, safe='')}"
    response["Content-Disposition"] = disposition
    return response
