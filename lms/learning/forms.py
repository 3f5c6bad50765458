"""Forms of the learning path. Their fields are few: the quiz answers are read by the view,
because the questions of an attempt are known only at request time."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

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


class ExerciseForm(Form):
    """A practice exercise answer: save a draft, or submit it (final) to see the model answer."""

    answer = TextAreaField(_l("Your answer"), validators=[Length(max=10_000)])
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit and see the model answer"))


class ExerciseReviewForm(Form):
    comment = TextAreaField(_l("Your comment for the trainee"),
                            validators=[DataRequired(message=_l("Write a comment for the trainee.")),
                                        Length(max=4_000)])
    submit = SubmitField(_l("Save the review"))
