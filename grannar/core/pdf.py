"""PDF through typst. Data goes to the template as JSON in `sys.inputs.data`, so no value from
the database can act as typst markup."""

import json
from functools import cache
from pathlib import Path

import typst
from django.utils import timezone


@cache
def _source(path: Path) -> bytes:
    return path.read_bytes()


def render_pdf(template: Path, data: dict) -> bytes:
    """Compile the typst `template` with `data`; files it reads resolve from its folder."""
    return typst.compile(
        _source(template),
        root=str(template.parent),
        sys_inputs={"data": json.dumps(data, ensure_ascii=False, default=str)},
        timestamp=int(timezone.now().timestamp()),
    )
