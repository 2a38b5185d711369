"""Write the demo site's PDF documents in raw PDF syntax (no PDF library needed).

    python scripts/make_demo_pdf.py

Writes into dcaudit/demo/site/documents/:

- residents-parking-permit-application.pdf: a paper application form to print, fill in and post
  (boxes to write in, plus AcroForm text fields so PDF readers and dcaudit see a completable form);
- recycling-review-2025-summary-of-responses.pdf: a short report (a document to read, not a form).

The output is deterministic: running the script again gives the same bytes. Commit the PDFs.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "dcaudit" / "demo" / "site" / "documents"
PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
LEFT = 56
COUNCIL = "Bryncastell County Borough Council (fictional)"
RETURN_ADDRESS = (
    "Parking Services, Bryncastell County Borough Council, Civic Centre, Castle Street, "
    "Bryncastell BC1 1AA"
)


def pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 covers the pound sign we need)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


def show_text(font: bytes, size: float, x: float, y: float, text: str) -> bytes:
    """Content-stream operators that draw one line of text at (x, y)."""
    return b"BT %s %g Tf %g %g Td %s Tj ET" % (font, size, x, y, pdf_string(text))


def type1_font(name: bytes) -> bytes:
    return b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name


@dataclass
class TextField:
    name: str
    label: str
    rect: tuple[float, float, float, float]


@dataclass
class Canvas:
    """Collects content-stream operators for one page, top-down."""

    y: float = PAGE_HEIGHT - 64
    ops: list[bytes] = field(default_factory=list)
    fields: list[TextField] = field(default_factory=list)

    def text(self, text: str, size: float = 11, bold: bool = False, gap: float = 4) -> None:
        font = b"/F2" if bold else b"/F1"
        self.y -= size
        self.ops.append(show_text(font, size, LEFT, self.y, text))
        self.y -= gap

    def paragraph(self, text: str, size: float = 11, width: int = 88) -> None:
        for line in textwrap.wrap(text, width=width):
            self.text(line, size=size, gap=3)
        self.y -= 6

    def box(self, name: str, label: str, height: float = 22) -> None:
        """A labelled box to write in, with a matching AcroForm text field."""
        self.text(label, size=10, bold=True, gap=3)
        self.y -= height
        width = PAGE_WIDTH - 2 * LEFT
        self.ops.append(b"0.5 w %g %g %g %g re S" % (LEFT, self.y, width, height))
        self.fields.append(TextField(name, label, (LEFT, self.y, LEFT + width, self.y + height)))
        self.y -= 10

    def tick_boxes(self, label: str, options: list[str]) -> None:
        self.text(label, size=10, bold=True, gap=4)
        x = LEFT
        for option in options:
            self.ops.append(b"0.5 w %g %g 10 10 re S" % (x, self.y - 10))
            self.ops.append(show_text(b"/F1", 10, x + 16, self.y - 9, option))
            x += 30 + 6 * len(option)
        self.y -= 24

    def rule(self) -> None:
        self.ops.append(b"0.8 w %g %g m %g %g l S" % (LEFT, self.y, PAGE_WIDTH - LEFT, self.y))
        self.y -= 12

    def stream(self) -> bytes:
        return b"\n".join(self.ops) + b"\n"


def build_pdf(title: str, canvas: Canvas) -> bytes:
    """Assemble one single-page PDF with byte-exact cross-reference offsets."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the form fields are known
    pages = add(b"")
    page = add(b"")
    regular = add(type1_font(b"Helvetica"))
    bold = add(type1_font(b"Helvetica-Bold"))
    content = canvas.stream()
    contents = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    info = add(
        b"<< /Title "
        + pdf_string(title)
        + b" /Author "
        + pdf_string(COUNCIL)
        + b" /Producer (dcaudit scripts/make_demo_pdf.py) >>"
    )
    widgets = []
    for text_field in canvas.fields:
        rect = b"%g %g %g %g" % text_field.rect
        widgets.append(
            add(
                b"<< /Type /Annot /Subtype /Widget /FT /Tx /F 4 /T "
                + pdf_string(text_field.name)
                + b" /TU "
                + pdf_string(text_field.label)
                + b" /Rect ["
                + rect
                + b"] /P %d 0 R /DA (/Helv 10 Tf 0 g) /MK << /BC [0 0 0] >> >>" % page
            )
        )
    refs = b" ".join(b"%d 0 R" % number for number in widgets)
    acroform = b""
    if widgets:
        acroform = (
            b" /AcroForm << /Fields [" + refs + b"] /NeedAppearances true"
            b" /DA (/Helv 10 Tf 0 g) /DR << /Font << /Helv %d 0 R >> >> >>" % regular
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R" % pages + acroform + b" >>"
    objects[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
    annots = b" /Annots [" + refs + b"]" if widgets else b""
    objects[page - 1] = (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d]" % (pages, PAGE_WIDTH, PAGE_HEIGHT)
        + b" /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >>" % (regular, bold)
        + b" /Contents %d 0 R" % contents
        + annots
        + b" >>"
    )

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        catalog,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def parking_permit_form() -> bytes:
    c = Canvas()
    c.text("Residents' parking permit application", size=20, bold=True, gap=6)
    c.text(COUNCIL + " - Parking Services", size=10, gap=10)
    c.paragraph(
        "Use black ink and capital letters. Send this form with a copy of your vehicle "
        "registration document (V5C), a proof of address dated in the last 3 months and a "
        "cheque for £40 (£60 for a second vehicle) payable to Bryncastell County Borough Council."
    )
    c.rule()
    c.text("Section 1: About you", size=13, bold=True, gap=8)
    c.box("full_name", "Full name")
    c.box("address", "Address in the permit zone")
    c.box("postcode", "Postcode")
    c.box("phone", "Phone number")
    c.box("email", "Email address")
    c.text("Section 2: Your vehicle", size=13, bold=True, gap=8)
    c.box("registration", "Vehicle registration number")
    c.box("make_model", "Make and model")
    c.tick_boxes("Permit zone", ["A", "B", "C", "D", "E"])
    c.tick_boxes("Is this your first or second vehicle?", ["First (£40)", "Second (£60)"])
    c.text("Section 3: Declaration", size=13, bold=True, gap=8)
    c.paragraph(
        "I confirm that the information on this form is correct and that the vehicle is "
        "registered to me at the address above. I understand that the permit may be withdrawn "
        "if the information is false."
    )
    c.box("signature", "Signature")
    c.box("date", "Date")
    c.rule()
    c.paragraph("Post the completed form to: " + RETURN_ADDRESS + ".", size=10, width=100)
    return build_pdf("Residents' parking permit application form", c)


def recycling_summary() -> bytes:
    c = Canvas()
    c.text("Recycling collections review 2025", size=20, bold=True, gap=4)
    c.text("Summary of responses", size=14, bold=True, gap=10)
    c.text(COUNCIL, size=10, gap=12)
    c.paragraph(
        "We asked residents about recycling and rubbish collections between 3 March and "
        "25 April 2025. 4,812 people answered the online survey, 312 filled in a paper copy at "
        "a library and 96 came to one of six drop-in sessions."
    )
    c.text("What you told us", size=13, bold=True, gap=8)
    for finding in (
        "71% said white sacks blow away on windy days.",
        "38% of people in Cwm Aderyn said their street had been missed at least once.",
        "64% want to recycle soft plastics such as crisp packets and plastic bags.",
        "55% wanted to keep black bin collections every two weeks.",
    ):
        c.paragraph("- " + finding)
    c.text("What we did", size=13, bold=True, gap=8)
    c.paragraph(
        "We now offer every home a free weighted sack, added an extra crew in Cwm Aderyn on "
        "Thursdays and take soft plastics at all three recycling centres. Black bin "
        "collections moved to every three weeks to meet the Welsh recycling target, with extra "
        "collections for homes that need them."
    )
    c.paragraph(
        "The full results, with every question and answer, are published on the You said, "
        "we did page of the council website."
    )
    return build_pdf("Recycling collections review 2025: summary of responses", c)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    documents = {
        "residents-parking-permit-application.pdf": parking_permit_form(),
        "recycling-review-2025-summary-of-responses.pdf": recycling_summary(),
    }
    for name, data in documents.items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
