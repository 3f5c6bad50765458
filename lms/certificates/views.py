"""Certificates' pages, one module per job, all on one blueprint (`bp`):

- `holder_views`: the holder's certificates, confirming or correcting the name, renewing;
- `verification_views`: public verification by number, PDF and CSV;
- `document_views`: the PDF, the signed credential, the status list, keys and issuer profile;
- `admin_views`: administrators' list, management, revocation, re-issue, re-render;
- `wallet_views`: the credential as a file, the offer to the holder's wallet and the wallet's exchange;
- `registry_views`: the public registry's search, the holder's consent, an organization's listing rule.

Continuing education has its own blueprint (`lms.continuing`), API keys live under `lms.orgs`.
"""

from lms.certificates import (  # noqa: F401 (routes)
    admin_views,
    document_views,
    holder_views,
    registry_views,
    verification_views,
    wallet_views,
)
from lms.certificates.blueprint import bp

__all__ = ["bp"]
