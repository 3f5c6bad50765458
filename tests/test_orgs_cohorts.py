"""Cohorts: creation, supervisors, trainees, enrolment of the whole cohort, and CSV exports."""

import csv
import io

import sqlalchemy as sa

from lms.models import AuditEvent, Cohort, Enrolment, Role, cohort_trainees
from lms.orgs import exports
from tests import factories
from tests.org_factories import add_org_trainees, make_org_course


def test_org_admin_creates_a_cohort_with_dates(client, auth, db, people):
    auth.login(people["org_admin"])
    response = client.post("/org/cohorts/new", data={"name": "Winter 2027", "starts_on": "2027-01-11",
                                                     "ends_on": "2027-04-30"})
    assert response.status_code == 302
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Winter 2027"))
    assert cohort.organization_id == people["org"].id and str(cohort.starts_on) == "2027-01-11"
    assert response.headers["Location"].endswith(f"/org/cohorts/{cohort.id}/manage")


def test_cohort_names_are_unique_within_an_organization_and_dates_are_checked(client, auth, people):
    auth.login(people["org_admin"])
    page = client.post("/org/cohorts/new", data={"name": people["cohort"].name}).get_data(as_text=True)
    assert "already has a cohort with that name" in page
    page = client.post("/org/cohorts/new", data={"name": "Backwards", "starts_on": "2027-05-01",
                                                 "ends_on": "2027-01-01"}).get_data(as_text=True)
    assert 'id="ends_on-error"' in page and "on or after the start date" in page


def test_org_admin_assigns_supervisors_and_adds_and_removes_trainees(client, auth, db, people):
    org = people["org"]
    cohort = factories.make_cohort(org, name="Fresh")
    newcomer = factories.make_user(Role.TRAINEE, org=org)
    db.session.commit()
    auth.login(people["org_admin"])
    page = client.get(f"/org/cohorts/{cohort.id}/manage").get_data(as_text=True)
    assert people["supervisor"].name in page and newcomer.name in page
    assert people["outsider_supervisor"].name not in page

    client.post(f"/org/cohorts/{cohort.id}/supervisors",
                data={"supervisors-supervisors": [str(people["supervisor"].id), str(people["other_supervisor"].id)]})
    db.session.refresh(cohort)
    assert {s.id for s in cohort.supervisors} == {people["supervisor"].id, people["other_supervisor"].id}

    members_query = sa.select(cohort_trainees.c.user_id).where(cohort_trainees.c.cohort_id == cohort.id)
    client.post(f"/org/cohorts/{cohort.id}/trainees",
                data={"trainees-trainees": [str(newcomer.id), str(people["trainee"].id)]})
    members = set(db.session.scalars(members_query))
    assert members == {newcomer.id, people["trainee"].id}

    client.post(f"/org/cohorts/{cohort.id}/trainees/{newcomer.id}/remove")
    members = set(db.session.scalars(members_query))
    assert members == {people["trainee"].id}
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"cohort.supervisors_changed", "cohort.trainees_added", "cohort.trainee_removed"} <= actions


def test_a_supervisor_of_another_organization_cannot_be_assigned(client, auth, db, people):
    auth.login(people["org_admin"])
    response = client.post(f"/org/cohorts/{people['cohort'].id}/supervisors",
                           data={"supervisors-supervisors": [str(people["outsider_supervisor"].id)]})
    assert response.status_code == 400
    db.session.refresh(people["cohort"])
    assert [s.id for s in people["cohort"].supervisors] == [people["supervisor"].id]


def test_org_admin_enrols_the_whole_cohort_in_a_course(client, auth, db, people):
    version = make_org_course(modules=2)
    cohort = people["cohort"]
    second = factories.make_user(Role.TRAINEE, org=people["org"])
    cohort.trainees.append(second)
    already = factories.make_user(Role.TRAINEE, org=people["org"])
    cohort.trainees.append(already)
    db.session.add(Enrolment(user_id=already.id, course_id=version.course_id, course_version_id=version.id))
    db.session.commit()
    auth.login(people["org_admin"])
    response = client.post(f"/org/cohorts/{cohort.id}/enrol", data={"enrol-course_version": str(version.id)},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 trainees enrolled" in page and "1 was already enrolled" in page
    enrolled = set(db.session.scalars(sa.select(Enrolment.user_id).where(Enrolment.course_id == version.course_id)))
    assert enrolled == {people["trainee"].id, second.id, already.id}
    assert db.session.scalar(sa.select(Enrolment.enrolled_by_id).where(Enrolment.user_id == second.id)) == \
        people["org_admin"].id
    # the dashboard now shows the course
    assert "Progress by module" in page


def test_org_admin_of_another_organization_cannot_manage_the_cohort(client, auth, db, people):
    outsider = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(outsider)
    assert client.get(f"/org/cohorts/{people['cohort'].id}/manage").status_code == 403
    assert client.post(f"/org/cohorts/{people['cohort'].id}/trainees",
                       data={"trainees-trainees": [str(people["trainee"].id)]}).status_code == 403


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_progress_export_has_a_row_per_trainee_and_course(client, auth, db, people):
    version = make_org_course(modules=3)
    add_org_trainees(people["cohort"], version, 4, grader=people["supervisor"])
    db.session.commit()
    auth.login(people["supervisor"])
    response = client.get(f"/org/cohorts/{people['cohort'].id}/progress.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.get_data(as_text=True))
    assert len(rows) == 5  # four enrolled, and the people fixture's trainee with no enrolment
    first = next(r for r in rows if r["name"] == "Bulk Trainee 00000")
    assert first["modules_passed"] == "1" and first["modules_total"] == "3" and first["percent"] == "33"
    assert first["completed_on"]  # every tenth (i == 0) completed
    bare = next(r for r in rows if r["name"] == people["trainee"].name)
    assert bare["course"] == ""
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.cohort_progress"))


def test_exports_quote_cells_a_spreadsheet_would_run():
    text = exports.to_csv(["name"], [["=HYPERLINK(\"http://evil\")"], ["+1"], ["Ana"]])
    assert text.splitlines()[1].startswith("\"'=HYPERLINK") and text.splitlines()[2] == "\"'+1\""


def _certificate(db, user, version, number):
    from datetime import date

    from lms.models import Certificate

    certificate = Certificate(number=number, user_id=user.id, course_id=version.course_id,
                              course_version_id=version.id, holder_name=user.name, course_title=version.title,
                              course_version_label=version.version, hours=40, issuer_name="Riverside",
                              issued_on=date(2026, 2, 1), expires_on=date(2028, 2, 1),
                              status_list_index=int(number[-1]))
    db.session.add(certificate)
    return certificate


def test_certificate_export_respects_roles_and_organizations(client, auth, db, people):
    version = make_org_course(modules=1)
    outsider_trainee = factories.make_user(Role.TRAINEE, org=people["other_org"])
    _certificate(db, people["trainee"], version, "PSS-MINE-0001")
    _certificate(db, outsider_trainee, version, "PSS-ELSE-0002")
    db.session.commit()

    auth.login(people["org_admin"])
    numbers = [r["number"] for r in _csv(client.get("/org/certificates.csv").get_data(as_text=True))]
    assert numbers == ["PSS-MINE-0001"]
    auth.logout()

    auth.login(people["other_supervisor"])  # supervises a cohort without that trainee
    assert _csv(client.get("/org/certificates.csv").get_data(as_text=True)) == []
    auth.logout()

    auth.login(people["supervisor"])
    assert [r["number"] for r in _csv(client.get("/org/certificates.csv").get_data(as_text=True))] == ["PSS-MINE-0001"]
    auth.logout()

    auth.login(people["admin"])
    all_rows = _csv(client.get("/org/certificates.csv").get_data(as_text=True))
    assert {r["number"] for r in all_rows} == {"PSS-MINE-0001", "PSS-ELSE-0002"}
    only_other = _csv(client.get(f"/org/certificates.csv?org={people['other_org'].id}").get_data(as_text=True))
    assert [r["number"] for r in only_other] == ["PSS-ELSE-0002"]
    auth.logout()

    auth.login(people["trainee"])
    assert client.get("/org/certificates.csv").status_code == 403
