"""Parts of the forms' pages written once per document, as PDF form XObjects: a table's boxes (its
rules and shading) are the same on every examinee's page of a form, so once a document has drawn
them twice they are written out once as an XObject, and every page after names it (``Do``) instead
of drawing them again: shorter page streams, less to join, compress and write. The operators are
the same, drawn in the same place (the table's own coordinates), so the pages look the same.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFFormXObject, PDFObjectReference, xObjectName

MARGIN = 2.0  # the XObject's box reaches this far beyond the table's (its rules' width overhangs it)


def xobjects(document: Any) -> dict[str, PDFObjectReference]:
    """The XObjects ``document`` has, by name: its pages' shared resources name them (filled as
    they are made; the resources are written when the document is)."""
    made: dict[str, PDFObjectReference] | None = document.__dict__.get("kaohe_xobjects")
    if made is None:
        made = document.kaohe_xobjects = {}
    return made


def once(canvas: Any, key: Hashable, code: Callable[[], list[str]], width: float, height: float) -> list[str]:
    """The operators ``code`` makes (drawing within ``width`` × ``height`` from the origin), or the
    one that draws the XObject made of them: the first time ``key`` is drawn in the document the
    operators themselves (a drawing seen once needs no object of its own), the second time they are
    made into an XObject, and from then on only its name is written (``code`` is not called)."""
    document = canvas._doc
    seen: dict[Hashable, str] | None = document.__dict__.get("kaohe_drawn")
    if seen is None:
        seen = document.kaohe_drawn = {}
    name = seen.get(key)
    if name is None:
        seen[key] = ""
        return code()
    if not name:
        named = xobjects(document)
        name = seen[key] = xObjectName(f"K{len(named)}")
        form = PDFFormXObject(-MARGIN, -MARGIN, width + MARGIN, height + MARGIN)
        form.compression = canvas._pageCompression
        form.setStreamList(code())
        document.Reference(form, name)
        named[name] = PDFObjectReference(name)
    return [f"/{name} Do"]
