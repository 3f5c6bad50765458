"""Moving a person to another organization: their cohort memberships end (the administrator sees which
and confirms), and no object rule lets a membership of another organization count."""

import sqlalchemy as sa

from lms.models import AuditEvent, Grade, Role, cohort_supervisors, cohort_trainees
from tests import factories


def move(client, person, organization, *, confirm: bool):
    data = {"role": person.role, "organization": str(organization.id)}
    if confirm:
        data["confirm_move"] = "yes"
    return client.post(f"/admin/users/{person.id}/role", data=data)


def memberships(db, person) -> set[int]:
    rows = set()
    for table in (cohort_trainees, cohort_supervisors):
        rows |= set(db.session.scalars(sa.select(table.c.cohort_id).where(table.c.user_id == person.id)))
    return rows


def test_moving_a_supervisor_shows_the_memberships_to_remove_and_changes_nothing_until_confirmed(
        client, auth, db, people):
    supervisor, cohort = people["supervisor"], people["cohort"]
    auth.login(people["admin"])
    page = move(client, supervisor, people["other_org"], confirm=False)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Confirm the move" in text and cohort.name in text and "Elsewhere" in text
    db.session.refresh(supervisor)
    assert supervisor.organization_id == people["org"].id and memberships(db, supervisor) == {cohort.id}

    assert move(client, supervisor, people["other_org"], confirm=True).status_code == 302
    db.session.refresh(supervisor)
    assert supervisor.organization_id == people["other_org"].id and memberships(db, supervisor) == set()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.details["before"]["cohorts"] == [cohort.id]


def test_a_role_change_within_the_organization_needs_no_confirmation(client, auth, db, people):
    trainee = people["trainee"]
    auth.login(people["admin"])
    response = client.post(f"/admin/users/{trainee.id}/role", data={"role": "supervisor",
                                                                    "organization": str(people["org"].id)})
    assert response.status_code == 302
    assert memberships(db, trainee) == {people["cohort"].id}


def test_a_moved_supervisor_cannot_open_the_old_cohort_transcripts_or_grading(client, auth, db, people):
    supervisor, trainee, cohort = people["supervisor"], people["trainee"], people["cohort"]
    submission = factories.make_submission(trainee, factories.make_scenario())
    db.session.commit()
    auth.login(supervisor)
    assert client.get(f"/org/cohorts/{cohort.id}").status_code == 200  # before the move
    assert client.get(f"/grading/submissions/{submission.id}").status_code == 200
    auth.switch_to(people["admin"])
    move(client, supervisor, people["other_org"], confirm=True)
    auth.switch_to(supervisor)
    assert client.get(f"/org/cohorts/{cohort.id}").status_code == 403
    assert client.get(f"/org/cohorts/{cohort.id}/progress.csv").status_code == 403
    assert client.get(f"/roleplays/submissions/{submission.id}").status_code in (403, 404)
    assert client.get(f"/records/{trainee.id}/transcript").status_code in (403, 404)
    assert client.get(f"/grading/submissions/{submission.id}").status_code == 403
    grade = client.post(f"/grading/submissions/{submission.id}", data={
        "level_listening": "3", "level_validation": "3", "level_confidentiality": "3", "level_language": "3"})
    assert grade.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Grade.id))) == 0
    assert str(trainee.name) not in client.get("/grading").get_data(as_text=True)


def test_a_membership_left_over_from_a_move_grants_nothing(client, auth, db, people):
    """Even if a membership survived (data from before this rule), the organization check refuses."""
    from lms.auth.permissions import can_grade_roleplay, can_review_hours, can_view_cohort, can_view_roleplay_work

    supervisor, trainee, cohort = people["supervisor"], people["trainee"], people["cohort"]
    supervisor.organization_id = people["other_org"].id  # moved behind the service's back
    db.session.commit()
    assert not can_view_cohort(supervisor, cohort)
    assert not can_view_roleplay_work(supervisor, trainee)
    assert not can_grade_roleplay(supervisor, trainee)
    assert not can_review_hours(supervisor, trainee)


def test_a_moved_trainee_leaves_the_old_cohort_dashboard_and_csv(client, auth, db, people):
    trainee, cohort = people["trainee"], people["cohort"]
    factories.make_enrolment(trainee, factories.make_course_version())
    db.session.commit()
    auth.login(people["supervisor"])
    assert trainee.name in client.get(f"/org/cohorts/{cohort.id}").get_data(as_text=True)
    assert trainee.email in client.get(f"/org/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
    auth.switch_to(people["admin"])
    assert cohort.name in move(client, trainee, people["other_org"], confirm=False).get_data(as_text=True)
    move(client, trainee, people["other_org"], confirm=True)
    assert memberships(db, trainee) == set()
    auth.switch_to(people["supervisor"])
    client.get("/dashboard")  # shows (and so clears) the administrator's flash messages, which name the trainee
    assert trainee.name not in client.get(f"/org/cohorts/{cohort.id}").get_data(as_text=True)
    assert trainee.email not in client.get(f"/org/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
    assert client.get(f"/records/{trainee.id}/transcript").status_code in (403, 404)


def test_a_trainee_left_in_a_cohort_of_another_organization_is_not_shown(client, auth, db, people):
    trainee, cohort = people["trainee"], people["cohort"]
    trainee.organization_id = people["other_org"].id  # moved behind the service's back
    db.session.commit()
    auth.login(people["supervisor"])
    assert trainee.email not in client.get(f"/org/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
    assert client.get(f"/records/{trainee.id}/transcript").status_code in (403, 404)


def test_org_admin_role_keeps_its_rule(db, people):
    from lms.auth.permissions import can_view_progress

    assert can_view_progress(people["org_admin"], people["trainee"])
    people["trainee"].organization_id = people["other_org"].id
    assert not can_view_progress(people["org_admin"], people["trainee"])
    assert Role.ORG_ADMIN == people["org_admin"].role
