"""The printable certificate: a one-page landscape PDF/A-3b made with WeasyPrint.

The PDF carries the signed credential as the attachment ``credential.jwt``
(and, for people and tools that want to read it, as ``credential.json``); the
QR code on the page leads to the verification page. The attachment proves
the facts, not the page: whether an uploaded file is one we issued is decided
by its SHA-256, which `services.render_pdf` records (``IssuedPdf``).

Works without a Flask application: templates are rendered with Jinja2
directly, and resources are fetched only from ``static_dir`` (nothing from the
network, nothing from elsewhere on disk).

Rendering cost. WeasyPrint's time goes, in this order, into drawing and laying
out text (per line and per glyph), serialising the PDF (every stream is
compressed twice, once more for the PDF/A document ID), the fixed per-page work
(16 margin boxes, the cascade), the QR code and the SVG logo. So the page is
kept to a few text blocks in one font face (each extra face is subset and
embedded on every render), and everything that does not change between
renders is built once per process: the font configuration, the Jinja
environment, the parsed stylesheet and the URL fetcher. The QR code uses a
fixed mask (segno's search for the best of eight masks took longer than the
rest of the encoding; every mask is valid) and is embedded as an 8-bit
greyscale PNG: far cheaper for WeasyPrint than an SVG of the same code.
"""

from __future__ import annotations

import base64
import functools
import io
import mimetypes
import struct
import zlib
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
import weasyprint
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel import support as babel_support
from weasyprint.css import ColorProfile
from weasyprint.images import SVGImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from lms.certificates.credential import CertificateFacts

__all__ = [
    "FONT_CONFIG",
    "MAX_COMPETENCIES_SHOWN",
    "StaticOnlyFetcher",
    "render_certificate_pdf",
    "render_one_line_pdf",
]

# One font configuration for the whole process: building it costs ~0.3 s.
FONT_CONFIG = FontConfiguration()
PDF_VARIANT = "pdf/a-3b"
TEMPLATE = "certificates/pdf.html"
STYLESHEET = "certificates/certificate.css"
MAX_COMPETENCIES_SHOWN = 8

# PDF/A needs an sRGB output intent. WeasyPrint 70 adds its bundled profile
# itself for output_intent "srgb" (the PDF/A default) but leaves that file
# open (a ResourceWarning on every render), so we read the same profile once
# and hand it over under our own name. It is the profile, not WeasyPrint's
# name for it, that ends up in the PDF.
_OUTPUT_INTENT = "srgb-icc"
_SRGB_ICC = (resources.files("weasyprint") / "pdf" / "sRGB2014.icc").read_bytes()

# The QR code is the only resource that is not a static file: it travels in the
# page as a data: URL, which the fetcher accepts for PNG images only.
_PNG_DATA_URL = "data:image/png;base64,"


def _color_profiles() -> dict[str, ColorProfile]:
    # A new object per render: WeasyPrint stores the render's PDF reference on it.
    return {
        _OUTPUT_INTENT: ColorProfile(
            io.BytesIO(_SRGB_ICC), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
        )
    }


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs under one directory (and inline PNG ``data:`` URLs), refuses everything else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = Path(static_dir).resolve()

    def fetch(self, url, headers=None):
        if url.startswith(_PNG_DATA_URL):  # the QR code; nothing is read from anywhere
            body = base64.b64decode(url[len(_PNG_DATA_URL) :], validate=True)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": "image/png"})
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refusing to fetch {url!r}: only files under the static folder are allowed")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"refusing to fetch {url!r}: not a file under the static folder")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


# The interface catalogues (lms/translations): the certificate is printed in the holder's language.
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@functools.lru_cache(maxsize=16)
def _environment(templates_dir: str, lang: str = "en") -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(_translations(lang), newstyle=True)
    return environment


@functools.lru_cache(maxsize=8)
def _translations(lang: str) -> babel_support.Translations:
    return babel_support.Translations.load(str(TRANSLATIONS_DIR), [lang])


@functools.lru_cache(maxsize=8)
def _fetcher(static_dir: Path) -> StaticOnlyFetcher:
    # Stateless, so one per static folder: building a URLFetcher (urllib handlers) costs ~0.3 ms.
    return StaticOnlyFetcher(static_dir)


@functools.lru_cache(maxsize=8)
def _parsed_stylesheet(static_dir: Path, _mtime_ns: int) -> weasyprint.CSS:
    # Parsed once, not on every render; a new modification time (an edited file) parses it again.
    url = (static_dir / STYLESHEET).as_uri()
    return weasyprint.CSS(url=url, url_fetcher=_fetcher(static_dir), font_config=FONT_CONFIG)


def _stylesheet(static_dir: Path) -> weasyprint.CSS:
    return _parsed_stylesheet(static_dir, (static_dir / STYLESHEET).stat().st_mtime_ns)


# Parsed SVG images from the static folder (the logo), shared by every render of the process.
# Only SVGs are shared: WeasyPrint keeps a raster image's pixels in the render's own cache dict,
# and the QR code differs on every certificate.
_SHARED_SVG_IMAGES: dict[str, SVGImage] = {}


def _image_cache() -> dict:
    return dict(_SHARED_SVG_IMAGES)


def _keep_static_svgs(cache: dict) -> None:
    for url, image in cache.items():
        if url.startswith("file:") and isinstance(image, SVGImage):
            _SHARED_SVG_IMAGES.setdefault(url, image)


def _long_date(value: date, locale: str) -> str:
    return babel_dates.format_date(value, format="long", locale=locale)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
_MODULE_GREY = bytes([255, 0]) + bytes(254)  # segno's matrix holds 1 for dark: dark -> 0 (black), light -> 255


def _qr_png(url: str) -> str:
    """The QR code for ``url`` as a data: URL of an 8-bit greyscale PNG, one pixel per module."""
    # A fixed mask: choosing the "best" of the eight takes segno ~4 ms; any mask gives a valid code.
    qr = segno.make(url, error="m", micro=False, mask=0, boost_error=False)
    size = len(qr.matrix) + 2 * _QUIET_ZONE
    white_row = b"\x00" + b"\xff" * size  # each PNG row starts with its filter type (0: none)
    margin = b"\xff" * _QUIET_ZONE
    rows = [white_row] * _QUIET_ZONE
    rows += [b"\x00" + margin + bytes(row).translate(_MODULE_GREY) + margin for row in qr.matrix]
    rows += [white_row] * _QUIET_ZONE
    png = b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)),  # 8-bit greyscale
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows))),
            _png_chunk(b"IEND", b""),
        )
    )
    return _PNG_DATA_URL + base64.b64encode(png).decode("ascii")


def _dedupe_associated_files(document, pdf) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF (PDF/A-3); keep one of each."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


# PDF/UA-1 identification (ISO 14289-1, 5): ``pdfuaid:part`` in the XMP packet. PDF/A-3 accepts a
# property outside its predefined schemas only when the packet describes it (ISO 19005-3, 6.6.2.3.2),
# hence the extension schema before it.
_PDFUA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>\
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>"""


def _declare_pdf_ua(pdf) -> None:
    """Add the PDF/UA-1 identification to the XMP packet WeasyPrint wrote for PDF/A-3b."""
    number = int(pdf.catalog["Metadata"].split()[0])  # a reference, b"53 0 R"
    packet = pdf.objects[number]
    content = b"".join(packet.stream)
    if b"</rdf:RDF>" not in content:  # a WeasyPrint that writes XMP differently: leave it unchanged
        return
    packet.stream = [content.replace(b"</rdf:RDF>", _PDFUA_XMP + b"</rdf:RDF>", 1)]


def _finish_tagged(document, pdf) -> None:
    _dedupe_associated_files(document, pdf)
    _declare_pdf_ua(pdf)


def _attachments(credential_jwt: str, credential_json: str, fetcher) -> list:
    """The two credential files the PDF carries (an Attachment can be written once only: new ones each render)."""
    now = datetime.now(UTC).replace(tzinfo=None)  # WeasyPrint writes these as UTC ("Z")
    files = (
        (credential_jwt.encode("ascii"), "credential.jwt", "Open Badges 3.0 credential, signed (VC-JWT)"),
        (credential_json.encode("utf-8"), "credential.json",
         "Open Badges 3.0 credential (JSON, unsigned copy of credential.jwt)"),
    )
    # Without `url_fetcher`, each Attachment builds a URLFetcher of its own.
    return [
        weasyprint.Attachment(string=data, name=name, description=description, relationship="Data", created=now,
                              modified=now, url_fetcher=fetcher)
        for data, name, description in files
    ]


def render_certificate_pdf(
    facts: CertificateFacts,
    *,
    credential_json: str,
    credential_jwt: str,
    verification_url: str,
    revoked: bool = False,
    program_name: str,
    templates_dir: Path,
    static_dir: Path,
    director_name: str = "",
    director_title: str = "",
    lang: str = "en",
    locale: str | None = None,
    tagged: bool = True,
) -> bytes:
    """The certificate as PDF/A-3b bytes, with ``credential.jwt`` and ``credential.json`` attached.

    ``tagged`` (the default) adds the PDF/UA-1 structure: a tagged PDF (headings, reading order, the QR
    code as a Figure with alternative text, the document language, ``/MarkInfo``), identified as PDF/UA-1
    in its XMP beside PDF/A-3b. WeasyPrint's ``pdf_variant`` takes one variant, so the document is made as
    PDF/A-3b with ``pdf_tags`` on, and the PDF/UA identification is added to the XMP packet.
    ``tagged=False`` is the earlier, untagged rendering (kept for the benchmark's comparison).
    """
    locale = locale or lang  # the Babel locale of dates and numbers (lms.i18n.selection.locale_for)
    static_dir = Path(static_dir).resolve()
    template = _environment(str(Path(templates_dir).resolve()), lang).get_template(TEMPLATE)
    gettext = _translations(lang).gettext
    competencies = [title for _, title in facts.competencies]
    if len(competencies) > MAX_COMPETENCIES_SHOWN:  # the "and N more" takes the last place
        shown = MAX_COMPETENCIES_SHOWN - 1
        competencies = [*competencies[:shown], gettext("and %(count)s more") % {"count": len(competencies) - shown}]
    html = template.render(
        facts=facts,
        lang=lang,
        program_name=program_name,
        director_name=director_name,
        director_title=director_title,
        hours=babel_numbers.format_decimal(facts.hours, format="#,##0.##", locale=locale),
        issued_on=_long_date(facts.issued_on, locale),
        expires_on=_long_date(facts.expires_on, locale),
        competencies=competencies,
        verification_url=verification_url,
        qr_png=_qr_png(verification_url),
        revoked=revoked,
    )
    fetcher = _fetcher(static_dir)
    attachments = _attachments(credential_jwt, credential_json, fetcher)
    cache = _image_cache()
    options = {
        "stylesheets": [_stylesheet(static_dir)],
        "cache": cache,
        "output_intent": _OUTPUT_INTENT,
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": tagged,
        "attachments": attachments,
    }
    document = weasyprint.HTML(string=html, base_url=static_dir.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=FONT_CONFIG, color_profiles=_color_profiles(), **options
    )
    # Set here rather than read from <title> and <meta> elements: fewer elements to parse and style.
    metadata = document.metadata
    metadata.title = gettext("Certificate %(number)s") % {"number": facts.number}
    metadata.description = gettext("Certificate %(number)s: %(holder)s, %(course)s (version %(version)s)") % {
        "number": facts.number, "holder": facts.holder_name, "course": facts.course_title,
        "version": facts.course_version}
    metadata.keywords = [facts.number, gettext("certificate"), facts.course_title, program_name]
    metadata.authors = [facts.issuer_name]
    pdf = document.write_pdf(finisher=_finish_tagged if tagged else _dedupe_associated_files, **options)
    _keep_static_svgs(cache)
    return pdf


def render_one_line_pdf() -> bytes:
    """WeasyPrint's smallest useful page: the benchmark baseline for the certificate.

    Same font configuration and same PDF variant (PDF/A-3b with its sRGB output
    intent) as the certificate, so that the comparison measures the certificate's
    content, not the fixed cost of the PDF/A format (output intent, XMP packet,
    document ID).
    """
    return weasyprint.HTML(string="<p>Hello, world.</p>").write_pdf(
        font_config=FONT_CONFIG,
        color_profiles=_color_profiles(),
        output_intent=_OUTPUT_INTENT,
        pdf_variant=PDF_VARIANT,
    )
