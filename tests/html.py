"""Reading a page the way a user reads it: the text of one element, the rows of a table."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Element(HTMLParser):
    """Collects the text and the table cells inside the element with the given id."""

    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.depth, self.found = element_id, 0, False
        self.text, self.rows, self.cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            if not self.found and dict(attrs).get("id") == self.element_id:
                self.found = True
                self.depth = 0 if tag in VOID else 1
            return
        if tag not in VOID:
            self.depth += 1
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.depth == 0:
            return
        self.depth -= 1
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append((tag, " ".join("".join(self.cell).split())))
            self.cell = None

    def handle_data(self, data):
        if self.depth > 0:
            self.text.append(data)
            if self.cell is not None:
                self.cell.append(data)


def _parse(html, element_id):
    parser = _Element(element_id)
    parser.feed(html)
    assert parser.found, f"页面上没有 #{element_id}"
    return parser


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id, whitespace collapsed."""
    return " ".join("".join(_parse(html, element_id).text).split())


def table_rows(html: str, element_id: str) -> list[list[str]]:
    """The body rows (rows with <td> cells) of the table at #element_id."""
    rows = _parse(html, element_id).rows
    return [[text for _tag, text in row] for row in rows if any(t == "td" for t, _x in row)]


def table_header(html: str, element_id: str) -> list[str]:
    """The header cells (<th>) of the table at #element_id."""
    rows = _parse(html, element_id).rows
    return [text for row in rows for tag, text in row if tag == "th"]


class _FormData(HTMLParser):
    """The name/value pairs a browser submits from the first <form method="post"> whose
    action is `action` ("" for a form that posts back to its own page)."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.inside, self.done, self.template, self.data = False, False, 0, []
        self.select, self.options, self.textarea = None, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and not self.done
            and (a.get("method") or "").lower() == "post"
            and ((a.get("action") or "") == self.action)
        ):
            self.inside = True
        if tag == "template":
            self.template += 1  # a row kept for scripts to copy; never submitted
        if not self.inside or self.template or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((a["name"], a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self.data.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select:
            self.options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]

    def handle_endtag(self, tag):
        if tag == "template":
            self.template -= 1
        if not self.inside or self.template:
            return
        if tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected] or [
                v for v, _s in self.options[:1]
            ]
            if chosen:
                self.data.append((self.select, chosen[-1]))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "form":
            self.inside, self.done = False, True

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def form_data(html: str, action: str = "") -> dict:
    """What a browser posts from the page's POST form, unchanged by the user."""
    parser = _FormData(action)
    parser.feed(html)
    assert parser.done, "页面上没有 POST 表单"
    return dict(parser.data)
