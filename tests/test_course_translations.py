"""Course translations: the same course in Spanish, file for file and id for id.

Pure rules (lms.content.translations), `courses check` on the shipped courses and on a broken translation,
sync (lms.learning.sync_translations), and pages read in Spanish with progress shared between languages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.content.translations import check_translation, compare_markdown, compare_yaml, translatable_files
from lms.i18n.content import reading_in, source_text
from lms.learning import completion
from lms.learning import enrolment as enrolments
from lms.models import Lesson, LessonProgress, Quiz

ROOT = Path(__file__).resolve().parents[1]
COURSES = ROOT / "courses"
BROKEN = ROOT / "tests" / "data" / "courses" / "broken" / "translation-mismatch"


# --- the rule -------------------------------------------------------------------------------------

def test_prose_may_change_and_nothing_else():
    source = {"id": "q1", "prompt": "Which?", "options": [{"id": "a", "text": "Yes", "correct": True}]}
    same_in_spanish = {"id": "q1", "prompt": "¿Cuál?", "options": [{"id": "a", "text": "Sí", "correct": True}]}
    assert compare_yaml(source, same_in_spanish) == []
    moved = {"id": "q1", "prompt": "¿Cuál?", "options": [{"id": "b", "text": "Sí", "correct": False}]}
    assert compare_yaml(source, moved) == [
        "options[a].id: must stay 'a' as in the source (found 'b')",
        "options[a].correct: must stay True as in the source (found False)",
    ]
    assert compare_yaml(source, {"id": "q1", "prompt": "", "options": source["options"]}) == [
        "prompt: the translation is empty"]
    assert compare_yaml(source, {**same_in_spanish, "options": []}) == ["options: has 0 entries; the source has 1"]


def test_a_translated_lesson_keeps_its_blocks_headings_and_links():
    source = "---\ntitle: Hello\nminutes: 5\n---\n## One\n\n::: try\nSay [this](module:basics).\n:::\n"
    good = "---\ntitle: Hola\nminutes: 5\n---\n## Uno\n\n::: try\nDiga [esto](module:basics).\n:::\n"
    assert compare_markdown(source, good, has_front_matter=True) == []
    bad = "---\ntitle: Hola\nminutes: 9\n---\n### Uno\n\nDiga [esto](module:otro).\n"
    problems = compare_markdown(source, bad, has_front_matter=True)
    assert "front matter.minutes: must stay 5 as in the source (found 9)" in problems
    assert any("::: blocks differ" in p for p in problems)
    assert any("heading levels differ" in p for p in problems)
    assert any("link and image targets differ" in p for p in problems)


# --- courses check ----------------------------------------------------------------------------------

@pytest.mark.parametrize("course", ["peer-specialist-core", "peer-support-telehealth"])
def test_both_shipped_courses_are_completely_translated_into_spanish(course):
    report = check_translation(COURSES / course, "es")
    assert report.status == "complete"
    assert [str(f) for f in report.findings] == []
    assert len(translatable_files(COURSES / course)) > 10


def test_courses_check_passes_on_both_languages(runner):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert "translations/es" not in result.output  # neither an error nor a warning about a translation


def test_courses_check_refuses_a_broken_translation(app, tmp_path):
    shutil.copytree(BROKEN, tmp_path / "courses" / "translation-mismatch")
    app.config["COURSES_DIR"] = str(tmp_path / "courses")
    result = app.test_cli_runner().invoke(args=["courses", "check"])
    assert result.exit_code == 1
    prefix = "translation-mismatch/translations/es/modules/01-basics"
    for expected in (
        f"{prefix}/quiz.yaml: questions[rb-q1].id: must stay 'rb-q1' as in the source (found 'rb-q9')",
        f"{prefix}/quiz.yaml: questions[rb-q2].options[d].id: must stay 'd' as in the source (found 'e')",
        f"{prefix}/quiz.yaml: questions[rb-q3].options[true].correct: must stay True as in the source (found False)",
        f"{prefix}/lessons/hello.md: missing: every file of the course needs its translation",
        f"{prefix}/extra.yaml: the course has no such file to translate",
    ):
        assert expected in result.output
    assert "5 errors" in result.output


def test_a_broken_translation_is_not_synced(app, db, tmp_path):
    shutil.copytree(BROKEN, tmp_path / "courses" / "translation-mismatch")
    app.config["COURSES_DIR"] = str(tmp_path / "courses")
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert "es: refused (5 errors: run courses check)" in result.output
    assert db.session.scalar(sa.select(Quiz)).translations.get("es") is None


def test_an_in_progress_translation_lists_missing_files_as_warnings(tmp_path):
    course = tmp_path / "translation-mismatch"
    shutil.copytree(BROKEN, course)
    (course / "translations/es/translation.yaml").write_text("language: es\nstatus: in-progress\n")
    report = check_translation(course, "es")
    missing = [f for f in report.findings if "missing" in f.message]
    assert missing and not any(f.error for f in missing)


# --- synced, read in Spanish --------------------------------------------------------------------------

@pytest.fixture
def core(courses):
    return courses["peer-specialist-core"]


def _lesson(db, core, slug="oars") -> Lesson:
    return db.session.scalar(sa.select(Lesson).join(Lesson.module).where(
        Lesson.slug == slug, Lesson.module.has(course_version_id=core.id)))


def test_sync_lays_the_translation_over_the_same_rows(db, core):
    lesson = _lesson(db, core)
    spanish = lesson.translations["es"]
    assert spanish["title"].startswith("OARS")
    assert "Pruebe a decir" in spanish["html"]  # the callouts' titles too
    quiz = lesson.module.quiz
    english_ids = [(q["id"], [o["id"] for o in q["options"]], [o["correct"] for o in q["options"]])
                   for q in quiz.questions]
    spanish_ids = [(q["id"], [o["id"] for o in q["options"]], [o["correct"] for o in q["options"]])
                   for q in quiz.translations["es"]["questions"]]
    assert spanish_ids == english_ids
    assert quiz.translations["es"]["questions"][0]["prompt"] != quiz.questions[0]["prompt"]


def test_syncing_again_writes_nothing_new(runner, db, core):
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert "es: unchanged" in result.output


def test_a_row_read_in_spanish_keeps_its_english_source(db, core):
    lesson_id = _lesson(db, core).id
    db.session.expunge_all()
    with reading_in("es"):
        lesson = db.session.get(Lesson, lesson_id)
        assert lesson.title == lesson.translations["es"]["title"]
        assert source_text(lesson, "title").startswith("OARS - open questions")
    assert not db.session.dirty  # a translated value is a loaded value, never a change


def test_a_trainee_switches_language_mid_course_and_keeps_their_place(client, auth, db, people, core):
    trainee = people["trainee"]
    enrolment = enrolments.enrol(trainee, core)
    db.session.commit()
    lesson = _lesson(db, core, "the-peer-role")
    url = f"/courses/peer-specialist-core/modules/foundations/lessons/{lesson.slug}"
    auth.login(trainee)
    english = client.get(url).get_data(as_text=True)
    assert 'lang="en"' in english and lesson.title in english
    completion.mark_lesson_read(enrolment, lesson)
    db.session.commit()
    assert client.post("/language", data={"language": "es", "next": url}).status_code == 303
    spanish = client.get(url).get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert lesson.translations["es"]["title"] in spanish
    assert "Fundamentos del apoyo entre pares" in spanish  # the module's title, in the breadcrumb
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress).where(
        LessonProgress.enrolment_id == enrolment.id)) == 1
    course_page = client.get("/courses/peer-specialist-core").get_data(as_text=True)
    assert "Formación básica para especialistas de pares" in course_page


def test_a_column_loaded_later_is_translated_and_keeps_its_source(db, core):
    from sqlalchemy.orm import load_only

    from lms.models import CourseVersion

    version_id = core.id
    db.session.expunge_all()
    with reading_in("es"):
        version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.id == version_id)
                                    .options(load_only(CourseVersion.id, CourseVersion.title,
                                                       CourseVersion.translations)))
        assert version.title == "Formación básica para especialistas de pares"
        assert version.description == version.translations["es"]["description"]  # a deferred load, translated
        assert source_text(version, "title") == "Peer Specialist Core Training"
        assert source_text(version, "description").startswith("The core skills")
