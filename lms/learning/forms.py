"""Forms of the learning path. Their fields are few: the quiz answers are read by the view,
because the questions of an attempt are known only at request time."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from lms.forms import Form


class EnrolForm(Form):
    submit = SubmitField(_l("Enrol in this course"))


class MarkReadForm(Form):
    submit = SubmitField(_l("Mark as read and continue"))


class StartQuizForm(Form):
    submit = SubmitField(_l("Start the knowledge check"))


class QuizForm(Form):
    """CSRF protection for the answers; the answers themselves are `answer-<question id>` fields."""

    submit = SubmitField(_l("Submit my answers"))


ANSWER_PREFIX = "answer-"


def submitted_answers(form_data) -> dict[str, list[str]]:
    """{question id: [option ids]} from the posted `answer-<question id>` fields."""
    answers: dict[str, list[str]] = {}
    for key in form_data:
        if key.startswith(ANSWER_PREFIX):
            answers[key[len(ANSWER_PREFIX):]] = [value for value in form_data.getlist(key) if value]
    return answers
