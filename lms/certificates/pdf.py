"""The printable certificate: a one-page landscape PDF/A-3b made with WeasyPrint.

The PDF carries its own proof: the signed credential is attached as
``credential.jwt`` (and, for people and tools that want to read it, as
``credential.json``). The QR code on the page leads to the verification page.

Works without a Flask application: templates are rendered with Jinja2
directly, and resources are fetched only from ``static_dir`` (nothing from the
network, nothing from elsewhere on disk).
"""

from __future__ import annotations

import functools
import io
import mimetypes
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
import weasyprint
from markupsafe import Markup
from weasyprint.css import ColorProfile
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from lms.certificates.credential import CertificateFacts, format_hours

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
LOGO = "img/logo.svg"
MAX_COMPETENCIES_SHOWN = 8

# PDF/A needs an sRGB output intent. WeasyPrint 70 adds its bundled profile
# itself for output_intent "srgb" (the PDF/A default) but leaves that file
# open (a ResourceWarning on every render), so we read the same profile once
# and hand it over under our own name. It is the profile, not WeasyPrint's
# name for it, that ends up in the PDF.
_OUTPUT_INTENT = "srgb-icc"
_SRGB_ICC = (resources.files("weasyprint") / "pdf" / "sRGB2014.icc").read_bytes()


def _color_profiles() -> dict[str, ColorProfile]:
    # A new object per render: WeasyPrint stores the render's PDF reference on it.
    return {
        _OUTPUT_INTENT: ColorProfile(
            io.BytesIO(_SRGB_ICC), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
        )
    }


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs under one directory and refuses everything else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.root = Path(static_dir).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refusing to fetch {url!r}: only files under the static folder are allowed")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"refusing to fetch {url!r}: not a file under the static folder")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _qr_svg(url: str) -> Markup:
    qr = segno.make(url, error="m", micro=False)
    # segno's SVG is only the drawing of the modules (no text from the URL), so it is safe markup.
    return Markup(qr.svg_inline(scale=4, border=4, dark="#1d2b2a", light="#ffffff"))  # noqa: S704


def _dedupe_associated_files(document, pdf) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF (PDF/A-3); keep one of each."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


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
    director_title: str = "Program Director",
    lang: str = "en",
) -> bytes:
    """The certificate as PDF/A-3b bytes, with ``credential.jwt`` and ``credential.json`` attached."""
    static_dir = Path(static_dir).resolve()
    template = _environment(str(Path(templates_dir).resolve())).get_template(TEMPLATE)
    competencies = [title for _, title in facts.competencies]
    shown = competencies[:MAX_COMPETENCIES_SHOWN]
    if len(competencies) > MAX_COMPETENCIES_SHOWN:  # leave room for the "and N more" line
        shown = competencies[: MAX_COMPETENCIES_SHOWN - 1]
    more = len(competencies) - len(shown)
    half = (len(shown) + (1 if more else 0) + 1) // 2  # the "and N more" line ends the second column
    columns = [column for column in (shown[:half], shown[half:]) if column or more]
    html = template.render(
        facts=facts,
        lang=lang,
        program_name=program_name,
        director_name=director_name,
        director_title=director_title,
        hours=format_hours(facts.hours),
        issued_on=_long_date(facts.issued_on),
        expires_on=_long_date(facts.expires_on),
        competency_columns=columns,
        more_competencies=more,
        verification_url=verification_url,
        qr_svg=_qr_svg(verification_url),
        revoked=revoked,
        stylesheet=STYLESHEET,
        logo=LOGO,
    )
    now = datetime.now(UTC).replace(tzinfo=None)  # WeasyPrint writes these as UTC ("Z")
    attachments = [  # an Attachment can be written once only: new ones for every render
        weasyprint.Attachment(
            string=credential_jwt.encode("ascii"),
            name="credential.jwt",
            description="Open Badges 3.0 credential, signed (VC-JWT)",
            relationship="Data",
            created=now,
            modified=now,
        ),
        weasyprint.Attachment(
            string=credential_json.encode("utf-8"),
            name="credential.json",
            description="Open Badges 3.0 credential (JSON, unsigned copy of credential.jwt)",
            relationship="Data",
            created=now,
            modified=now,
        ),
    ]
    document = weasyprint.HTML(
        string=html,
        base_url=static_dir.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static_dir),
    )
    return document.write_pdf(
        finisher=_dedupe_associated_files,
        font_config=FONT_CONFIG,
        color_profiles=_color_profiles(),
        output_intent=_OUTPUT_INTENT,
        pdf_variant=PDF_VARIANT,
        attachments=attachments,
    )


def render_one_line_pdf() -> bytes:
    """WeasyPrint's smallest useful page, with the same font configuration (a benchmark baseline)."""
    return weasyprint.HTML(string="<p>Hello, world.</p>").write_pdf(font_config=FONT_CONFIG)
