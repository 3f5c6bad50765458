"""Administrators' screens: people and roles, organizations, course versions, audit and verification logs."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import audit
from lms.models import AuditEvent, Enrolment, Organization, Role, VerificationLog, utcnow
from tests import factories
from tests.org_factories import make_org_course

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = pytest.mark.no_lazy_loads


def test_admin_home_counts_people_and_links_every_screen(client, auth, people):
    auth.login(people["admin"])
    page = client.get("/admin").get_data(as_text=True)
    for link in ("/admin/users", "/admin/organizations", "/admin/courses", "/admin/audit", "/admin/verifications"):
        assert link in page
    assert 'org-stat-value">1</span><span class="org-stat-label">Trainees' in page
    assert 'org-stat-value">3</span><span class="org-stat-label">Supervisors' in page


def test_admin_finds_people_by_name_role_and_organization(client, auth, people):
    auth.login(people["admin"])
    page = client.get(f"/admin/users?role=supervisor&org={people['org'].id}").get_data(as_text=True)
    assert people["supervisor"].email in page and people["other_supervisor"].email in page
    assert people["outsider_supervisor"].email not in page and people["trainee"].email not in page
    page = client.get(f"/admin/users?q={people['trainee'].email.upper()}").get_data(as_text=True)
    assert "1 person" in page and people["trainee"].email in page


def test_admin_makes_a_trainee_a_supervisor_and_the_change_is_audited(client, auth, db, people):
    trainee = people["trainee"]
    auth.login(people["admin"])
    response = client.post(f"/admin/users/{trainee.id}/role", data={"role": "supervisor",
                                                                    "organization": str(people["org"].id)})
    assert response.status_code == 302
    db.session.refresh(trainee)
    assert trainee.role == Role.SUPERVISOR
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == people["admin"].id and event.target_user_id == trainee.id
    assert event.details["before"]["role"] == "trainee" and event.details["after"]["role"] == "supervisor"


def test_a_supervisor_needs_an_organization(client, auth, db, people):
    auth.login(people["admin"])
    response = client.post(f"/admin/users/{people['trainee'].id}/role", data={"role": "supervisor",
                                                                              "organization": "0"})
    assert response.status_code == 400
    assert 'id="organization-error"' in response.get_data(as_text=True)
    db.session.refresh(people["trainee"])
    assert people["trainee"].role == Role.TRAINEE


def test_admin_cannot_change_their_own_role_nor_remove_the_last_admin(client, auth, db, people):
    admin = people["admin"]
    auth.login(admin)
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "trainee", "organization": "0"})
    assert response.status_code == 400 and "your own role" in response.get_data(as_text=True)

    import pytest

    from lms.admin.services import change_role
    from lms.errors import DomainError

    other = factories.make_user(Role.ADMIN)
    change_role(other, role="trainee", organization=None, actor=admin)  # allowed: an administrator remains
    with pytest.raises(DomainError, match="last administrator"):
        change_role(admin, role="trainee", organization=None, actor=people["org_admin"])


def test_admin_deactivates_and_reactivates_an_account_with_audit(client, auth, db, people):
    supervisor = people["supervisor"]
    auth.login(people["admin"])
    client.post(f"/admin/users/{supervisor.id}/deactivate")
    db.session.refresh(supervisor)
    assert not supervisor.active
    client.post(f"/admin/users/{supervisor.id}/reactivate")
    db.session.refresh(supervisor)
    assert supervisor.active
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_user_id == supervisor.id)
                                      .order_by(AuditEvent.id)))
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]


def test_admin_creates_and_renames_organizations(client, auth, db, people):
    auth.login(people["admin"])
    response = client.post("/admin/organizations", data={"name": "Harbor Peers", "invite_code": "HARBOR-1"})
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "Harbor Peers"))
    assert org.invite_code == "HARBOR-1"
    page = client.post("/admin/organizations", data={"name": "Harbor Peers"}).get_data(as_text=True)
    assert "already uses this name" in page
    client.post(f"/admin/organizations/{org.id}", data={"name": "Harbor Peer Network", "invite_code": ""})
    db.session.refresh(org)
    assert org.name == "Harbor Peer Network" and org.invite_code is None
    page = client.get("/admin/organizations").get_data(as_text=True)
    assert "Harbor Peer Network" in page and "Riverside" in page


def test_course_versions_show_which_is_live_and_who_is_on_each(client, auth, db, people):
    old = make_org_course(modules=1, version="1.0", live=False, title="Core")
    new = make_org_course(modules=1, version="1.1", course=old.course)
    first, second, third = (factories.make_user(Role.TRAINEE) for _ in range(3))
    db.session.add_all([
        Enrolment(user_id=first.id, course_id=old.course_id, course_version_id=old.id),
        Enrolment(user_id=second.id, course_id=old.course_id, course_version_id=old.id, completed_at=utcnow()),
        Enrolment(user_id=third.id, course_id=new.course_id, course_version_id=new.id),
    ])
    db.session.commit()
    auth.login(people["admin"])
    page = client.get("/admin/courses").get_data(as_text=True)
    rows = page[page.find("<tbody>"):page.find("</tbody>")]
    assert rows.index("1.1") < rows.index("1.0")  # newest first
    newest, oldest = rows.split("</tr>")[0], rows.split("</tr>")[1]
    assert "Live" in newest and '<td class="num">1</td>' in newest
    assert "Older" in oldest and oldest.count('<td class="num">1</td>') == 2 and '<td class="num">2</td>' in oldest


def test_audit_log_filters_by_person_action_and_dates(client, auth, db, people):
    now = utcnow()
    old = audit.record("cohort.created", actor=people["org_admin"], subject=people["cohort"])
    old.created_at = now - timedelta(days=40)
    audit.record("user.deactivated", actor=people["org_admin"], target_user=people["trainee"])
    audit.record("hours.approved", actor=people["supervisor"], target_user=people["trainee"])
    db.session.commit()
    auth.login(people["admin"])

    page = client.get(f"/admin/audit?user={people['trainee'].email}").get_data(as_text=True)
    assert "user.deactivated" in page and "hours.approved" in page and "cohort.created</code>" not in page
    page = client.get("/admin/audit?action=hours.approved").get_data(as_text=True)
    assert "1 event" in page
    since = (now - timedelta(days=1)).date().isoformat()
    page = client.get(f"/admin/audit?user={people['org_admin'].id}&since={since}").get_data(as_text=True)
    assert "user.deactivated" in page and "cohort.created</code>" not in page
    until = (now - timedelta(days=30)).date().isoformat()
    page = client.get(f"/admin/audit?until={until}").get_data(as_text=True)
    assert "cohort.created</code>" in page and "user.deactivated</code>" not in page


def test_audit_log_is_paginated(client, auth, db, people):
    for _ in range(60):
        audit.record("export.certificates", actor=people["admin"])
    db.session.commit()
    auth.login(people["admin"])
    first = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "Page 1 of 2" in first and first.count("export.certificates</code>") == 50
    second = client.get("/admin/audit?action=export&page=2").get_data(as_text=True)
    assert second.count("export.certificates</code>") == 10


def test_verification_log_shows_who_looked_up_which_certificate(client, auth, db, people):
    db.session.add_all([
        VerificationLog(number="PSS-7K3M-9QXD-4", found=True, method="page", ip="198.51.100.7"),
        VerificationLog(number="PSS-AAAA-BBBB-C", found=False, method="api", ip="203.0.113.50"),
        VerificationLog(number="PSS-AAAA-BBBB-D", found=False, method="api", ip="203.0.113.50"),
    ])
    db.session.commit()
    auth.login(people["admin"])
    page = client.get("/admin/verifications?number=pss-7k3m").get_data(as_text=True)
    assert "1 look-up" in page and "198.51.100.7" in page and "PSS-AAAA" not in page.split("Look-ups, newest")[1]
    page = client.get("/admin/verifications?found=no").get_data(as_text=True)
    assert "2 look-ups" in page
    busiest = page[page.find("Busiest addresses"):page.find("</table>", page.find("Busiest addresses"))]
    assert "203.0.113.50" in busiest and '<td class="num">2</td><td class="num">2</td>' in busiest


def test_only_administrators_reach_administration(client, auth, people):
    for who in ("trainee", "supervisor", "org_admin"):
        auth.login(people[who])
        assert client.get("/admin").status_code == 403
        assert client.get("/admin/audit").status_code == 403
        auth.logout()
