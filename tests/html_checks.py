"""Checks every rendered page must pass: no inline script or style, labelled fields, CSRF on
POST forms, a language and a skip link. Used by the page crawl and the browser tests."""

from html.parser import HTMLParser

_UNLABELLED_OK = {"hidden", "submit", "button", "reset", "image"}


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.labels_for: set[str] = set()
        self.fields: list[tuple[str, dict]] = []
        self.html_lang = None
        self.skip_link = False
        self.forms: list[dict] = []
        self._label_depth = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name} on <{tag}>")
        if "style" in attributes:
            self.problems.append(f"inline style attribute on <{tag}>")
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "style":
            self.problems.append("inline <style> element")
        elif tag == "script":
            if not attributes.get("src"):
                self.problems.append("inline <script> element")
        elif (
            tag == "a"
            and attributes.get("href") == "#main"
            and "skip-link" in (attributes.get("class") or "")
        ):
            self.skip_link = True
        elif tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.labels_for.add(attributes["for"])
        elif tag in {"input", "select", "textarea"}:
            kind = attributes.get("type", "text") if tag == "input" else tag
            if kind not in _UNLABELLED_OK:
                self.fields.append((tag, {**attributes, "_wrapped": self._label_depth > 0}))
            if self.forms and attributes.get("name") == "csrfmiddlewaretoken":
                self.forms[-1]["csrf"] = True
        elif tag == "form":
            self.forms.append({"method": (attributes.get("method") or "get").lower()})

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1


def page_problems(html: str) -> list[str]:
    """Everything on the page that breaks the rules above; empty when the page is fine."""
    parser = _PageParser()
    parser.feed(html)
    problems = list(parser.problems)
    if not parser.html_lang:
        problems.append("<html> has no lang attribute")
    if not parser.skip_link:
        problems.append("no skip link to #main")
    for tag, attributes in parser.fields:
        labelled = (
            attributes.get("_wrapped")
            or attributes.get("id") in parser.labels_for
            or attributes.get("aria-label")
            or attributes.get("aria-labelledby")
        )
        if not labelled:
            problems.append(f"<{tag} name={attributes.get('name')!r}> has no label")
    for form in parser.forms:
        if form["method"] == "post" and not form.get("csrf"):
            problems.append("a POST form without a CSRF token")
    return problems
