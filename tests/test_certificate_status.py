"""The certificate status rule has one home (`lms.certificates.records`): in Python and as SQL, the same."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.certificates import issuance, records
from lms.models import Certificate, CertificateStatus
from tests import factories

pytestmark = pytest.mark.usefixtures("quick_pdfs")


@pytest.mark.parametrize(("revoked_at", "on", "expected"), [
    (None, date(2026, 1, 10), CertificateStatus.VALID),  # valid through its last day
    (None, date(2026, 1, 11), CertificateStatus.EXPIRED),
    (datetime(2025, 6, 1), date(2025, 1, 1), CertificateStatus.REVOKED),  # revoked wins, whatever the day
])
def test_status_rule(revoked_at, on, expected):
    assert records.certificate_status(revoked_at, date(2026, 1, 10), on) == expected


def test_the_sql_condition_selects_what_the_rule_says(db, people):
    course = factories.make_certifying_course()
    issued = [issuance.issue_certificate(factories.make_user(), course, issued_on=date(2024, 1, 1),
                                         expires_on=date(2026, 1, 10)) for _ in range(3)]
    issued[2].revoked_at = datetime(2025, 1, 1)
    db.session.flush()
    for on in (date(2026, 1, 10), date(2026, 1, 11)):
        for status in CertificateStatus:
            selected = set(db.session.scalars(
                sa.select(Certificate.id).where(records.status_condition(status, on))))
            assert selected == {c.id for c in issued if records.status_of(c, on) == status}, (on, status)
    assert records.status_condition("unknown") is None


def test_status_of_reads_a_verification_row_as_well_as_a_certificate(db, people):
    certificate = issuance.issue_certificate(people["trainee"], factories.make_certifying_course())
    db.session.commit()  # the verification read uses a connection of its own
    [row] = records.certificates_by_number([certificate.number]).values()
    tomorrow = certificate.expires_on + timedelta(days=1)
    assert records.status_of(row, tomorrow) == records.status_of(certificate, tomorrow) == CertificateStatus.EXPIRED
