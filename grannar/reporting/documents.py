"""A report as a list of blocks, rendered the same way to PDF (typst) and to HTML, so the
summary and the final report show one set of figures whatever the format."""

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from grannar.core.emblem import eu_emblem_svg, funding_for_typst
from grannar.core.pdf import render_pdf
from grannar.programmes.models import FundingStatement

TEMPLATE = Path(__file__).parent / "typst" / "document.typ"
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@dataclass
class Document:
    title: str
    lang: str = field(default_factory=lambda: translation.get_language() or "sv")
    blocks: list[dict] = field(default_factory=list)

    def cover(
        self,
        *,
        title: str,
        subtitle: str,
        lines: list[str],
        funding: FundingStatement | None = None,
    ) -> None:
        """The title page; `funding` is the programme's funding statement, if it has one."""
        self.blocks.append(
            {
                "type": "cover",
                "title": title,
                "subtitle": subtitle,
                "lines": lines,
                "funding": (
                    funding_for_typst(text=funding.text, eu_emblem=funding.eu_emblem)
                    if funding
                    else None
                ),
            }
        )

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append({"type": "heading", "text": text, "level": level})

    def text(self, text: str) -> None:
        self.blocks.append({"type": "text", "text": text})

    def figures(self, items: list[tuple[str, str]]) -> None:
        self.blocks.append({"type": "figures", "items": [list(item) for item in items]})

    def entries(self, items: list[tuple[str, str]]) -> None:
        """Labelled passages of text (a lesson's context, what was done, …), each label above
        its text."""
        self.blocks.append({"type": "entries", "items": [list(item) for item in items]})

    def table(
        self, *, caption: str, columns: list[str], rows: list[list[str]], numeric_from: int = 1
    ) -> None:
        self.blocks.append(
            {
                "type": "table",
                "caption": caption,
                "columns": columns,
                "rows": [[str(cell) for cell in row] for row in rows],
                "numeric_from": numeric_from,
            }
        )

    def chart(self, svg: str, caption: str) -> None:
        self.blocks.append({"type": "chart", "svg": str(svg), "caption": caption})

    def page_break(self) -> None:
        self.blocks.append({"type": "pagebreak"})

    def as_pdf(self) -> bytes:
        return render_pdf(TEMPLATE, {"title": self.title, "lang": self.lang, "blocks": self.blocks})

    def as_html(self) -> str:
        """A standalone page (its styles included) to save or send."""
        return render_to_string(
            "reporting/document.html",
            # The emblem is the project's own fixed SVG; it goes inline so the page stands alone.
            {"document": self, "emblem_svg": mark_safe(eu_emblem_svg())},  # noqa: S308
        )


def style_sources(html: str) -> list[str]:
    """Content-security-policy sources that allow exactly the style blocks of a standalone page
    (`as_html`), so the site can show it without allowing any other inline style."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(style.encode()).digest()).decode("ascii")
        )
        for style in _STYLE.findall(html)
    ]
