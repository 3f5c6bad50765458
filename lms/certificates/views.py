"""Certificates' pages, one module per job, all on one blueprint (`bp`):

- `holder_views`: the holder's certificates, confirming or correcting the name, renewing;
- `verification_views`: public verification by number, PDF and CSV;
- `document_views`: the PDF, the signed credential, the status list, keys and issuer profile;
- `admin_views`: administrators' list, management, revocation, re-issue, re-render.

Continuing education has its own blueprint (`lms.continuing`), API keys live under `lms.orgs`.
"""

from lms.certificates import admin_views, document_views, holder_views, verification_views  # noqa: F401 (routes)
from lms.certificates.blueprint import bp

__all__ = ["bp"]
