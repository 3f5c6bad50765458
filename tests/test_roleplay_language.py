"""Spanish replies are not analyzed: the trainee is told that automatic feedback reads English only."""

import pytest

from lms.roleplay.analyzer import notes
from lms.roleplay.feedback import formative_feedback
from lms.roleplay.language import reads_as_spanish


@pytest.mark.parametrize("text", [
    "¿Cómo se siente hoy?",
    "Parece que fue un día muy difícil para usted.",
    "Entiendo que está preocupada por su hija",
    "Lo siento",
])
def test_spanish_replies_read_as_spanish(text):
    assert reads_as_spanish(text)


@pytest.mark.parametrize("text", [
    "It sounds like today was really hard.",
    "Dana, that must have felt humiliating.",
    "You said mañana, so tomorrow works?",
    "Mi casa es su casa, you know what I mean?",
    "OK",
    "",
])
def test_english_and_mixed_replies_are_analyzed(text):
    assert not reads_as_spanish(text)


def test_a_spanish_reply_gets_the_notice_and_stays_out_of_the_totals(app):
    replies = ["It sounds like losing the job hit you hard.", "¿Qué le gustaría hacer esta noche?"]
    with app.test_request_context():
        feedback = formative_feedback(replies, {"reflections_per_question": 1.0}, [])
    assert feedback["english_only"] and feedback["analyzed"] == 1
    assert feedback["replies"][1] == {"labels": [], "notes": [], "complex_reflection": False, "red_flag": False,
                                      "english_only": True}
    assert feedback["replies"][0]["labels"]  # the English reply is analyzed as before
    assert feedback["totals"]["questions"] == 0  # the Spanish question is not counted


def test_the_analyzers_notes_are_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        app.preprocess_request()
        feedback = formative_feedback(["What would help you tonight?"], {}, [])
    assert feedback["replies"][0]["notes"] == [
        "Pregunta abierta: invita a la persona a contar su historia con sus propias palabras"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        app.preprocess_request()
        feedback = formative_feedback(["What would help you tonight?"], {}, [])
    assert feedback["replies"][0]["notes"] == [
        "Open question: invites the person to tell their story in their own words"]


def test_without_the_app_the_notes_are_english():
    assert notes._("Open question: invites the person to tell their story in their own words").startswith("Open")
