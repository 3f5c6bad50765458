"""Invitations: one at a time, or a CSV file checked row by row with nothing saved until it is clean."""

import io
import re

import pytest
import sqlalchemy as sa

from lms.models import AuditEvent, Invitation, Role, User, cohort_supervisors, cohort_trainees
from lms.orgs import invitations
from tests import factories
from tests.org_factories import org_csv, org_people_rows


def outbox(app):
    return app.extensions.get("mail_outbox", [])


def upload(client, data: bytes, *, cohort: int = 0, filename: str = "people.csv", org: int | None = None):
    url = "/org/people/upload" + (f"?org={org}" if org else "")
    return client.post(url, data={"csv-file": (io.BytesIO(data), filename), "csv-cohort": str(cohort)},
                       content_type="multipart/form-data")


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_org_admin_uploads_30_people_with_two_bad_rows_sees_both_and_nothing_is_saved_then_invites_all(
        app, client, auth, db, people):
    cohort = people["cohort"]
    rows = org_people_rows(30, cohort=cohort.name)
    bad = list(rows)
    bad[6] = ("person07.example.org", "Person 07", "trainee", cohort.name)  # no @
    bad[19] = ("person20@example.org", "Person 20", "volunteer", cohort.name)  # unknown role
    auth.login(people["org_admin"])
    users_before, events_before = count(db, User), count(db, AuditEvent)

    response = upload(client, org_csv(bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 rows need fixing. Nothing was saved." in page
    assert re.search(r"Row 8 \(person07\.example\.org\):.*not a valid email address", page)
    assert re.search(r"Row 21 \(person20@example\.org\):.*Unknown role .volunteer.", page)
    assert "Send all" not in page  # no way to confirm a bad file
    assert count(db, Invitation) == 0 and count(db, User) == users_before
    assert count(db, AuditEvent) == events_before
    assert outbox(app) == []

    response = upload(client, org_csv(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "30 people are ready to be invited." in page
    assert count(db, Invitation) == 0  # the preview saves nothing
    payload = re.search(r'name="confirm-payload" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post("/org/people/upload/confirm", data={"confirm-payload": payload})
    assert response.status_code == 302
    assert count(db, Invitation) == 30
    assert {i.cohort_id for i in db.session.scalars(sa.select(Invitation))} == {cohort.id}
    mails = outbox(app)
    assert len(mails) == 30
    assert sorted(m["To"] for m in mails) == sorted(r[0] for r in rows)
    assert "http://localhost/invite/" in mails[0].get_content()
    page = client.get("/org/people").get_data(as_text=True)
    assert "30 invitations sent." in page and "person30@example.org" in page


def test_csv_preview_names_every_kind_of_problem(client, auth, db, people):
    existing = people["trainee"]
    data = org_csv([
        ("ok@example.org", "Fine Person", "trainee", ""),
        ("not-an-email", "Bad Email", "trainee", ""),
        ("dup@example.org", "First Copy", "trainee", ""),
        ("DUP@example.org", "Second Copy", "supervisor", ""),
        (existing.email, "Has Account", "trainee", ""),
        ("cohortless@example.org", "Wrong Cohort", "trainee", "No Such Cohort"),
        ("norole@example.org", "Bad Role", "admin", ""),
        ("noname@example.org", "", "trainee", ""),
    ])
    auth.login(people["org_admin"])
    page = upload(client, data).get_data(as_text=True)
    assert "6 rows need fixing" in page
    for text in ("not a valid email address", "Duplicate: this address is already on row 4",
                 "This person already has an account", "Unknown cohort", "Unknown role", "The name is missing"):
        assert text in page, text
    assert count(db, Invitation) == 0


def test_csv_file_problems_are_reported_without_rows(client, db, auth, people):
    auth.login(people["org_admin"])
    response = upload(client, b"mail;fullname\nx@example.org;X\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The first row must name the columns" in page
    assert 'name="csv-file"' in page  # the refusal is shown on the People page, by the file field
    page = upload(client, "email,name\nа@example.org,Ünïcode".encode("utf-16")).get_data(as_text=True)
    assert "not UTF-8" in page
    assert count(db, Invitation) == 0


def test_an_unusable_csv_file_is_refused_with_invalid_upload():
    from lms.errors import InvalidUpload

    for data, message in ((b"", "empty"), (b"email,name\n", "no people"), (b"mail\nx@example.org\n", "first row")):
        with pytest.raises(InvalidUpload, match=message) as refused:
            invitations.read_csv(data)
        assert refused.value.field == "file"


def test_csv_accepts_semicolons_a_bom_and_a_default_cohort():
    rows = invitations.read_csv("\ufeffEmail;Full name;Role\nA@Example.org;Ana;Supervisor\n".encode())
    assert rows[0].email == "A@Example.org" and rows[0].role == "Supervisor"


def test_confirmation_is_refused_if_someone_registered_in_between(client, auth, db, people):
    auth.login(people["org_admin"])
    page = upload(client, org_csv([("late@example.org", "Late Person", "trainee", "")])).get_data(as_text=True)
    payload = re.search(r'name="confirm-payload" type="hidden" value="([^"]+)"', page).group(1)
    factories.make_user(Role.TRAINEE, email="late@example.org")
    db.session.commit()
    response = client.post("/org/people/upload/confirm", data={"confirm-payload": payload})
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)
    assert count(db, Invitation) == 0


def test_a_tampered_confirmation_is_refused(client, auth, db, people):
    auth.login(people["org_admin"])
    page = upload(client, org_csv([("ok@example.org", "Fine", "trainee", "")])).get_data(as_text=True)
    payload = re.search(r'name="confirm-payload" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/org/people/upload/confirm", data={"confirm-payload": payload[:-3] + "abc"},
                           follow_redirects=True)
    assert "Upload the file again" in response.get_data(as_text=True)
    assert count(db, Invitation) == 0


def test_org_admin_invites_one_supervisor_who_accepts_and_joins_the_cohort(app, client, auth, db, people):
    cohort = people["cohort"]
    auth.login(people["org_admin"])
    response = client.post("/org/people/invite", data={
        "invite-name": "Sam New", "invite-email": "Sam.New@Example.org", "invite-role": "supervisor",
        "invite-cohort": str(cohort.id)})
    assert response.status_code == 302
    mail = outbox(app)[-1]
    assert mail["To"] == "sam.new@example.org"
    link = re.search(r"http://localhost(/invite/\S+)", mail.get_content()).group(1)
    auth.logout()

    page = client.get(link).get_data(as_text=True)
    assert "Join Riverside" in page and 'value="Sam New"' in page
    response = client.post(link, data={"name": "Sam New", "password": "a-long-password", "confirm": "a-long-password"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    user = db.session.scalar(sa.select(User).where(User.email == "sam.new@example.org"))
    assert user.role == Role.SUPERVISOR and user.organization_id == people["org"].id
    assert db.session.execute(sa.select(cohort_supervisors).where(cohort_supervisors.c.user_id == user.id)).first()
    # the link is spent
    auth.logout()
    assert client.get(link).status_code == 404


def test_an_accepted_trainee_invitation_adds_the_trainee_to_the_cohort(db, people):
    invitation, token = invitations.invite(people["org"], email="new@example.org", name="New T", role="trainee",
                                           cohort=people["cohort"])
    user = invitations.accept_invitation(invitations.find_invitation(token), name="New T", password="x" * 12)
    assert db.session.execute(sa.select(cohort_trainees).where(cohort_trainees.c.user_id == user.id)).first()
    assert invitations.find_invitation(token) is None


def test_invitation_to_someone_with_an_account_is_refused_next_to_the_field(client, auth, db, people):
    auth.login(people["org_admin"])
    response = client.post("/org/people/invite", data={
        "invite-name": "X", "invite-email": people["trainee"].email, "invite-role": "trainee", "invite-cohort": "0"})
    assert response.status_code == 400
    assert 'id="invite-email-error"' in response.get_data(as_text=True)
    assert count(db, Invitation) == 0


def test_a_second_invitation_replaces_the_first_link(db, people):
    _first, old = invitations.invite(people["org"], email="twice@example.org", name="Twice", role="trainee")
    _second, new = invitations.invite(people["org"], email="twice@example.org", name="Twice", role="trainee")
    assert invitations.find_invitation(old) is None and invitations.find_invitation(new) is not None


def test_expired_and_unknown_invitation_links_explain_what_to_do(client, db, people):
    invitation, token = invitations.invite(people["org"], email="late@example.org", name="Late", role="trainee")
    invitation.expires_at = invitation.created_at.replace(year=2000)
    db.session.commit()
    for link in (f"/invite/{token}", "/invite/not-a-token"):
        response = client.get(link)
        assert response.status_code == 404
        assert "Ask the person who invited you" in response.get_data(as_text=True)


def test_org_admin_withdraws_a_pending_invitation(client, auth, db, people):
    invitation, token = invitations.invite(people["org"], email="gone@example.org", name="Gone", role="trainee")
    db.session.commit()
    auth.login(people["org_admin"])
    assert client.post(f"/org/people/invitations/{invitation.id}/revoke").status_code == 302
    assert invitations.find_invitation(token) is None


def test_org_admin_cannot_withdraw_another_organizations_invitation(client, auth, db, people):
    invitation, _token = invitations.invite(people["other_org"], email="x@example.org", name="X", role="trainee")
    db.session.commit()
    auth.login(people["org_admin"])
    assert client.post(f"/org/people/invitations/{invitation.id}/revoke").status_code == 403


def test_admin_chooses_an_organization_before_managing_people(client, auth, people):
    auth.login(people["admin"])
    page = client.get("/org/people").get_data(as_text=True)
    assert "Choose an organization" in page and f"/org/people?org={people['org'].id}" in page
    page = client.get(f"/org/people?org={people['org'].id}").get_data(as_text=True)
    assert people["trainee"].email in page
    assert people["outsider_supervisor"].email not in page


def test_org_admin_sees_only_their_members(client, auth, people):
    auth.login(people["org_admin"])
    page = client.get(f"/org/people?org={people['other_org'].id}").get_data(as_text=True)
    assert people["trainee"].email in page and people["outsider_supervisor"].email not in page


def test_org_admin_deactivates_a_trainee_who_then_cannot_sign_in_but_keeps_records(client, auth, db, people):
    trainee = people["trainee"]
    auth.login(people["org_admin"])
    assert client.post(f"/org/people/{trainee.id}/deactivate").status_code == 302
    db.session.refresh(trainee)
    assert trainee.active is False
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    auth.logout()
    page = auth.login(trainee, follow_redirects=True).get_data(as_text=True)
    assert "do not match" in page
    auth.login(people["org_admin"])
    client.post(f"/org/people/{trainee.id}/reactivate")
    db.session.refresh(trainee)
    assert trainee.active is True


def test_org_admin_cannot_deactivate_someone_of_another_organization(client, auth, people):
    auth.login(people["org_admin"])
    assert client.post(f"/org/people/{people['outsider_supervisor'].id}/deactivate").status_code == 404


def test_accepting_after_the_address_got_an_account_explains_what_to_do(client, db, people):
    _invitation, token = invitations.invite(people["org"], email="raced@example.org", name="Raced", role="trainee")
    factories.make_user(Role.TRAINEE, email="raced@example.org")
    db.session.commit()
    response = client.post(f"/invite/{token}", data={"name": "Raced", "password": "a-long-password",
                                                     "confirm": "a-long-password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "already exists" in page and "reset your password" in page
