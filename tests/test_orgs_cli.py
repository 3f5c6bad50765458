"""`flask orgs invite | export-cohort | erase-user`: the same work as the web pages, for scripting."""

import csv
import io

import sqlalchemy as sa

from lms.models import Invitation, Role, User
from tests import factories
from tests.org_factories import add_org_trainees, make_org_course, org_csv, org_people_rows


def test_invite_from_csv_invites_everyone_and_mails_links(app, runner, db, people, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(org_csv(org_people_rows(5)))
    result = runner.invoke(args=["orgs", "invite", "--csv", str(path), "--organization", "Riverside",
                                 "--cohort", people["cohort"].name])
    assert result.exit_code == 0, result.output
    assert "Invited 5 people to Riverside." in result.output
    invitations = db.session.scalars(sa.select(Invitation)).all()
    assert len(invitations) == 5 and {i.cohort_id for i in invitations} == {people["cohort"].id}
    mails = app.extensions["mail_outbox"]
    assert len(mails) == 5 and "http://localhost/invite/" in mails[0].get_content()


def test_invite_from_a_bad_csv_lists_the_rows_and_saves_nothing(runner, db, people, tmp_path):
    rows = org_people_rows(4)
    rows[1] = ("broken", "Broken Row", "trainee", "")
    rows[3] = (people["trainee"].email, "Existing", "trainee", "")
    path = tmp_path / "people.csv"
    path.write_bytes(org_csv(rows))
    result = runner.invoke(args=["orgs", "invite", "--csv", str(path), "--organization", "Riverside"])
    assert result.exit_code == 1
    assert "people.csv, row 3:" in result.output and "not a valid email address" in result.output
    assert "people.csv, row 5: This person already has an account." in result.output
    assert "Nothing was saved" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invite_from_an_unusable_csv_file_says_why_and_saves_nothing(runner, db, people, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(b"email,name\n")
    result = runner.invoke(args=["orgs", "invite", "--csv", str(path), "--organization", "Riverside"])
    assert result.exit_code == 1
    assert "people.csv: The file has a header row but no people. Nothing was saved." in result.output
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invite_names_an_unknown_organization_or_cohort(runner, people, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(org_csv(org_people_rows(1)))
    result = runner.invoke(args=["orgs", "invite", "--csv", str(path), "--organization", "Nowhere"])
    assert result.exit_code == 1 and "No organization is named" in result.output
    result = runner.invoke(args=["orgs", "invite", "--csv", str(path), "--organization", "Riverside",
                                 "--cohort", "Nope"])
    assert result.exit_code == 1 and "no cohort named" in result.output


def test_export_cohort_writes_csv_to_stdout_or_a_file(runner, db, people, tmp_path):
    version = make_org_course(modules=2)
    add_org_trainees(people["cohort"], version, 3, grader=people["supervisor"])
    db.session.commit()
    result = runner.invoke(args=["orgs", "export-cohort", "--cohort", str(people["cohort"].id)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and rows[0]["name"] == "Bulk Trainee 00000"
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["orgs", "export-cohort", "--cohort", str(people["cohort"].id),
                                 "--output", str(target)])
    assert result.exit_code == 0 and "Wrote 4 rows" in result.output
    assert target.read_text().startswith('"trainee_id","name","email"')
    assert runner.invoke(args=["orgs", "export-cohort", "--cohort", "999"]).exit_code == 1


def test_erase_user_needs_yes_and_then_erases(runner, db, people):
    person = factories.make_user(Role.TRAINEE, org=people["org"], email="cli.erase@example.org", name="Cli Erase")
    db.session.commit()
    result = runner.invoke(args=["orgs", "erase-user", "--email", "cli.erase@example.org"])
    assert result.exit_code == 1 and "--yes" in result.output
    assert db.session.get(User, person.id).email == "cli.erase@example.org"
    result = runner.invoke(args=["orgs", "erase-user", "--email", "CLI.Erase@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Erased account #{person.id}" in result.output
    db.session.expire_all()
    erased = db.session.get(User, person.id)
    assert erased.email is None and erased.name == f"Erased user #{person.id}"
    result = runner.invoke(args=["orgs", "erase-user", "--email", "cli.erase@example.org", "--yes"])
    assert result.exit_code == 1 and "No account uses" in result.output
