"""Who supervises whom, read in every direction from lms.auth.permissions: a membership left over from a
move to another organization grants nothing, whichever feature asks."""

import random

from lms.auth.permissions import cohorts_trainee_ids, supervised_cohort_ids, supervisor_ids_of
from lms.extensions import db as _db
from lms.orgs import services as org_services
from lms.orgs.dashboard_queries import cohort_summaries
from lms.roleplay.attempts import assign_second_marker
from tests import factories


def _moved(user, org) -> None:
    """Moved behind the services' back: the cohort memberships are left over."""
    user.organization_id = org.id
    _db.session.commit()


def test_supervisors_of_a_trainee_are_those_of_their_organization(db, people):
    cohort, trainee = people["cohort"], people["trainee"]
    cohort.supervisors.append(people["other_supervisor"])
    db.session.commit()
    assert set(db.session.scalars(supervisor_ids_of(trainee))) == {people["supervisor"].id,
                                                                 people["other_supervisor"].id}
    _moved(people["other_supervisor"], people["other_org"])
    assert set(db.session.scalars(supervisor_ids_of(trainee))) == {people["supervisor"].id}


def test_a_moved_supervisor_is_never_picked_as_second_marker(db, people):
    cohort, trainee = people["cohort"], people["trainee"]
    cohort.supervisors.append(people["other_supervisor"])
    submission = factories.make_submission(trainee, factories.make_scenario(criteria=("listening",), pass_mark=1))
    db.session.commit()
    assert assign_second_marker(submission, share=1.0, rng=random.Random(1)) is not None  # noqa: S311
    submission.second_marker_id = None
    _moved(people["other_supervisor"], people["other_org"])
    assert assign_second_marker(submission, share=1.0, rng=random.Random(1)) is None  # noqa: S311 (one is left)


def test_a_moved_supervisor_no_longer_lists_the_old_cohort(db, people):
    supervisor, cohort = people["supervisor"], people["cohort"]
    assert cohort in org_services.visible_cohorts(supervisor)
    assert set(db.session.scalars(supervised_cohort_ids(supervisor))) == {cohort.id}
    _moved(supervisor, people["other_org"])
    assert cohort not in org_services.visible_cohorts(supervisor)
    assert list(db.session.scalars(supervised_cohort_ids(supervisor))) == []


def test_cohort_summaries_count_only_trainees_of_the_cohorts_organization(db, people):
    cohort = people["cohort"]
    extra = factories.make_user(org=people["org"])
    cohort.trainees.append(extra)
    db.session.commit()
    assert cohort_summaries([cohort])[0].trainees == 2
    _moved(people["trainee"], people["other_org"])
    assert cohort_summaries([cohort])[0].trainees == 1
    assert {(c, u) for c, u in db.session.execute(cohorts_trainee_ids([cohort.id]))} == {(cohort.id, extra.id)}


def test_enrolling_a_cohort_skips_a_trainee_who_moved_away(db, people):
    cohort, trainee = people["cohort"], people["trainee"]
    stayed = factories.make_user(org=people["org"])
    cohort.trainees.append(stayed)
    version = factories.make_course_version()
    db.session.commit()
    _moved(trainee, people["other_org"])
    enrolled, already = org_services.enrol_cohort(cohort, version, actor=people["org_admin"])
    assert (enrolled, already) == (1, 0)
