"""The EU emblem drawn to the graphic guide, and the static file made from it."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from grannar.core.emblem import STATIC_FILE, eu_emblem_svg, funding_for_typst

SVG = "{http://www.w3.org/2000/svg}"


def parsed() -> ET.Element:
    return ET.fromstring(eu_emblem_svg())  # noqa: S314 - the project's own SVG, not input


def test_static_file_is_the_drawn_emblem():
    assert STATIC_FILE.read_text() == eu_emblem_svg()


def test_flag_proportions_colours_and_title():
    root = parsed()
    assert root.get("viewBox") == "0 0 810 540"  # 3:2
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Europeiska unionens flagga"
    rect = root.find(f"{SVG}rect")
    assert (rect.get("width"), rect.get("height"), rect.get("fill")) == ("810", "540", "#003399")
    assert root.find(f"{SVG}path").get("fill") == "#FFDD00"


def test_twelve_upright_stars_on_a_circle_of_a_third_of_the_height():
    height, centre = 540, (405, 270)
    path = parsed().find(f"{SVG}path").get("d")
    stars = [
        [tuple(map(float, point.split(","))) for point in star.split("L")]
        for star in re.findall(r"M([^Z]+)Z", path)
    ]
    assert len(stars) == 12
    for points in stars:
        assert len(points) == 10
        cx = sum(x for x, _ in points) / 10
        cy = sum(y for _, y in points) / 10
        assert math.dist((cx, cy), centre) == _approx(height / 3)
        outer = [math.dist((cx, cy), p) for p in points[::2]]
        assert all(r == _approx(height / 18) for r in outer)
        tip_x, tip_y = points[0]
        assert tip_x == _approx(cx)  # one point straight up
        assert tip_y < cy


def _approx(value):
    return pytest.approx(value, abs=0.05)


def test_typst_data_carries_the_emblem_only_when_asked():
    with_emblem = funding_for_typst(text="Medfinansieras av Europeiska unionen", eu_emblem=True)
    assert bytes(with_emblem["emblem"]).decode() == eu_emblem_svg()
    assert with_emblem["alt"] == "Europeiska unionens flagga"
    assert funding_for_typst(text="Text", eu_emblem=False)["emblem"] is None
