"""Turn a form's context into its Word file (a docxtpl template filled, our paragraphs
kept with the signature, written deterministically).

Loaded by the first Word file a build writes (render.Renderer.docx): docxtpl and
python-docx take 0.1 s to import, and the build's renderers are started before that.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE
from docx.opc.package import Unmarshaller
from docx.opc.part import Part, PartFactory
from docx.opc.pkgreader import PackageReader
from docx.package import Package
from docxtpl import DocxTemplate
from jinja2 import Environment

from pipeline.docx_writer import keep_signature_with_body
from pipeline.zipout import word_file_bytes


def fill(template_bytes: bytes, context: Mapping[str, Any], environment: Environment) -> bytes:
    """The Word document of a form: its docxtpl template filled with the context."""
    # docxtpl edits the document it renders, so each form gets a fresh parse.
    template = PatchedOnce(io.BytesIO(template_bytes))
    template.render(dict(context), jinja_env=environment, autoescape=True)
    keep_signature_with_body(template.docx.element.body)
    return word_file_bytes(template.docx)  # docxtpl's save adds nothing for us


# The parts of a template that filling it never changes: python-docx parsed them when the
# template was opened and wrote them back as they were (tests/test_forms.py).
UNTOUCHED = frozenset({CONTENT_TYPE.WML_STYLES, CONTENT_TYPE.WML_SETTINGS,
                       CONTENT_TYPE.WML_NUMBERING})


class _UntouchedAsBytes(PartFactory):
    """python-docx's parts, except the `UNTOUCHED` ones, kept as their bytes: parsing
    and writing back the styles alone took half the time of the đảng bộ sample's 29
    Word files (0.40 -> 0.18 s, the same bytes)."""

    @classmethod
    def _part_cls_for(cls, content_type: str) -> type[Part]:
        return Part if content_type in UNTOUCHED else super()._part_cls_for(content_type)


def open_template(template_file: Any) -> Document:
    """The template as python-docx's `Document(template_file)`, its untouched parts
    unparsed."""
    package = Package()
    Unmarshaller.unmarshal(PackageReader.from_file(template_file), package,
                           _UntouchedAsBytes)
    return package.main_document_part.document


class PatchedOnce(DocxTemplate):
    """docxtpl cleans a template's XML with some 200 lines of regular expressions at
    every render (`patch_xml`, a pure function of the XML); a template's XML is the same
    every time, so each is cleaned once per process (a fifth of the Word files' time).
    The template is opened with its untouched parts unparsed (`open_template`)."""

    patched: ClassVar[dict[str, str]] = {}

    def init_docx(self, reload: bool = True) -> None:
        """docxtpl's, with the template opened by `open_template`."""
        opened: Any = getattr(self, "docx", None)  # docxtpl's attributes are untyped
        if not opened or (getattr(self, "is_rendered", False) and reload):
            self.docx = open_template(self.template_file)
            self.is_rendered = False

    def patch_xml(self, src_xml: str) -> str:
        if src_xml not in self.patched:
            self.patched[src_xml] = super().patch_xml(src_xml)
        return self.patched[src_xml]

    def resolve_listing(self, xml: str) -> str:
        """docxtpl turns a tab, line feed, \a or form feed in a text into Word's own
        marks, rewriting every paragraph, run and text with regular expressions (0.4 s
        of the 3,000-member decision list's Word file); a text without any is left as it
        is, so only then is there anything to rewrite."""
        if not SPECIAL_IN_TEXT.search(xml):
            return xml
        return str(super().resolve_listing(xml))


# A text element holding what docxtpl's resolve_listing rewrites (text has no "<").
SPECIAL_IN_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")
