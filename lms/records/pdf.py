"""The transcript as a PDF (WeasyPrint), from HTML the view has already rendered.

Nothing is fetched while rendering: the template carries its own styles and no images, and the
URL fetcher refuses every request, so a name or title can never make the renderer reach out.
"""

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

# One font configuration for the process: building it costs about 0.3 s per render otherwise.
FONT_CONFIG = FontConfiguration()


class NoFetching(URLFetcher):
    def fetch(self, url, headers=None):
        raise ValueError(f"refusing to fetch {url!r}: the transcript uses no external resources")


def render_transcript_pdf(html: str) -> bytes:
    """PDF bytes; the document title (PDF metadata) comes from the HTML <title>.

    Tagged (``pdf_tags``): its headings, tables and reading order become the PDF's structure tree and
    ``<html lang>`` its language, so that screen readers read it as they read the page.
    """
    return weasyprint.HTML(string=html, url_fetcher=NoFetching()).write_pdf(font_config=FONT_CONFIG, pdf_tags=True)
