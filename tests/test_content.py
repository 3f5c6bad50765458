"""Course files: the loader and validator (tests/data/courses), Markdown rendering, the shipped courses."""

import shutil
from pathlib import Path

import pytest

from lms.content import checks, markdown
from lms.content.lessons import MIN_CORE_LESSON_WORDS
from lms.content.loader import load_course, load_courses
from lms.content.schema import CourseKind, QuestionType

DATA = Path(__file__).parent / "data" / "courses"
VALID = DATA / "valid"
BROKEN = DATA / "broken"
SHIPPED = Path(__file__).resolve().parents[1] / "courses"

CORE_MODULES = ["foundations", "active-listening", "validation", "boundaries", "confidentiality", "crisis-safety",
                "ethics", "recovery-planning", "harm-reduction", "cultural-humility", "advocacy-rights", "groups",
                "whole-health-families", "teams", "crises-beyond-suicide"]


def errors_of(folder: str) -> list[tuple[str, int | None, str]]:
    course, errors, _warnings = load_course(BROKEN / folder, BROKEN)
    assert course is None, "a course with errors must not be usable"
    return [(error.file, error.line, error.message) for error in errors]


# --- the shipped courses ---------------------------------------------------------------------

def test_shipped_courses_pass_the_check(shipped_courses):
    assert shipped_courses.errors == ()
    assert {course.slug for course in shipped_courses.courses} >= {"peer-specialist-core", "peer-support-telehealth"}


def test_courses_check_command_passes_on_the_shipped_courses(runner):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_core_course_has_the_fifteen_modules_in_order(shipped_courses):
    core = shipped_courses.course("peer-specialist-core")
    assert core.kind is CourseKind.CERTIFICATION
    assert [module.slug for module in core.modules] == CORE_MODULES


@pytest.mark.parametrize("module_slug", CORE_MODULES)
def test_each_core_module_has_two_substantial_lessons_and_eight_questions(shipped_courses, module_slug):
    core = shipped_courses.course("peer-specialist-core")
    module = next(m for m in core.modules if m.slug == module_slug)
    long_lessons = [lesson for lesson in module.lessons if lesson.word_count >= MIN_CORE_LESSON_WORDS]
    assert len(long_lessons) >= 2, [(lesson.slug, lesson.word_count) for lesson in module.lessons]
    assert module.quiz is not None and len(module.quiz.questions) >= 8
    assert module.scenarios, "each core module has its role-play scenarios"
    for lesson in module.lessons:
        # Worked examples of what to say and what not to say.
        assert "::: try" in lesson.markdown or "::: avoid" in lesson.markdown, lesson.slug


def test_shipped_knowledge_checks_use_every_question_type(shipped_courses):
    types = {question.type for course in shipped_courses.courses for module in course.modules
             for question in module.quiz.questions}
    assert types == set(QuestionType)


def test_continuing_education_course_states_its_hours(shipped_courses):
    ce = [c for c in shipped_courses.courses if c.kind is CourseKind.CONTINUING_EDUCATION]
    assert ce and all(course.ce_hours > 0 for course in ce)


# --- the valid test course -------------------------------------------------------------------

def test_valid_course_loads_into_frozen_dataclasses():
    result = load_courses(VALID)
    assert result.errors == ()
    course = result.course("mini-course")
    assert course.version == "1.0" and course.hours == 2.0
    assert course.certificate.supervised_hours_required == 10
    assert [m.slug for m in course.modules] == ["listening", "validation"]
    listening = course.modules[0]
    assert [lesson.slug for lesson in listening.lessons] == ["attending", "open-questions"]
    assert listening.lessons[0].title == "Attending" and listening.lessons[0].minutes == 5
    assert [q.type for q in listening.quiz.questions] == list(QuestionType)
    assert listening.quiz.pass_mark == 75 and listening.quiz.cooldown_minutes == 10
    assert course.modules[1].quiz.pass_mark == 80  # the default
    scenario = listening.scenarios[0]
    assert scenario.rubric == "mini-rubric" and len(scenario.turns) == 5 and scenario.minimums == {"listening": 3}
    assert [c.id for c in course.rubrics[0].criteria] == ["listening", "safety"]
    assert [asset.path for asset in course.assets] == ["modules/01-listening/images/room.png"]
    assert course.assets[0].mimetype == "image/png" and course.assets[0].data.startswith(b"\x89PNG")
    with pytest.raises(AttributeError):
        course.title = "changed"  # frozen


def test_valid_course_warns_about_short_core_lessons_and_raw_html():
    result = load_courses(VALID)
    messages = [str(w) for w in result.warnings]
    assert "mini-course/modules/01-listening/lessons/attending.md: warning: this lesson has 57 words; " \
           "core lessons should have at least 600" in messages
    assert any('attending.md:29: warning: raw HTML is not rendered: "<script>"' in m for m in messages)


def test_content_hash_changes_with_any_file_and_only_then(tmp_path):
    copy = tmp_path / "mini-course"
    shutil.copytree(VALID / "mini-course", copy)
    first, _, _ = load_course(copy)
    again, _, _ = load_course(copy)
    assert first.content_hash == again.content_hash
    (copy / "modules/01-listening/images/room.png").write_bytes(b"\x89PNG changed")
    changed, _, _ = load_course(copy)
    assert changed.content_hash != first.content_hash


# --- broken courses: each fails with a precise message ----------------------------------------

BROKEN_CASES = {
    "unknown-key": [
        ("unknown-key/modules/01-basics/quiz.yaml", 5, 'question q1: unknown key "promt" (did you mean "prompt"?)'),
        ("unknown-key/modules/01-basics/quiz.yaml", 3, 'question q1: missing key "prompt"'),
    ],
    "missing-answer": [
        ("missing-answer/modules/01-basics/quiz.yaml", 6, 'question q1: no option is marked "correct: true"'),
    ],
    "too-many-answers": [
        ("too-many-answers/modules/01-basics/quiz.yaml", 6,
         "question q1: 2 options are marked correct, but a single question has exactly one"),
    ],
    "missing-feedback": [
        ("missing-feedback/modules/01-basics/quiz.yaml", 11,
         'question q1, option b: missing key "feedback" (every option explains why it is right or wrong)'),
    ],
    "duplicate-question-id": [
        ("duplicate-question-id/modules/02-more/quiz.yaml", 2,
         'duplicate question id "q1" (also in duplicate-question-id/modules/01-basics/quiz.yaml)'),
    ],
    "duplicate-option-id": [
        ("duplicate-option-id/modules/01-basics/quiz.yaml", 11,
         'question q1: duplicate option id "a" (first at line 7)'),
    ],
    "duplicate-scenario-id": [
        ("duplicate-scenario-id/modules/02-more/scenarios/sc-basic.yaml", 1,
         'duplicate scenario id "sc-basic" (also in duplicate-scenario-id/modules/01-basics/scenarios/sc-basic.yaml)'),
    ],
    "broken-module-link": [
        ("broken-module-link/modules/01-basics/lessons/hello.md", 7,
         'link to "module:crisis", but this course has no module with that slug (modules: basics, more)'),
    ],
    "unknown-competency": [
        ("unknown-competency/modules/01-basics/module.yaml", 4,
         'unknown competency "empathy" (course.yaml declares: engagement)'),
    ],
    "short-scenario": [
        ("short-scenario/modules/01-basics/scenarios/sc-basic.yaml", 10,
         "scenario sc-basic has 4 turns; a role-play needs at least 5"),
    ],
    "unknown-criterion": [
        ("unknown-criterion/modules/01-basics/scenarios/sc-basic.yaml", 8,
         'scenario sc-basic: criterion "empathy" is not in rubric basic'),
    ],
    "unknown-rubric": [
        ("unknown-rubric/modules/01-basics/scenarios/sc-basic.yaml", 7,
         'scenario sc-basic: unknown rubric "advanced" (rubrics/ has: basic)'),
    ],
    "missing-lesson-file": [
        ("missing-lesson-file/modules/01-basics/module.yaml", 5, "missing lesson file lessons/goodbye.md"),
    ],
    "unknown-callout": [
        ("unknown-callout/modules/01-basics/lessons/hello.md", 9, 'unknown callout "tip" (use try, avoid, note)'),
    ],
    "wrong-type": [
        ("wrong-type/modules/01-basics/quiz.yaml", 1, '"pass_mark" should be a whole number, not text ("80%")'),
    ],
    "missing-key": [
        ("missing-key/modules/02-more/module.yaml", 1, 'missing key "title"'),
    ],
    "unquoted-version": [
        ("unquoted-version/course.yaml", 3,
         '"version" should be text, not the number 1.0; quote it, like version: "1.0"'),
    ],
    "yaml-syntax": [
        ("yaml-syntax/modules/02-more/quiz.yaml", 4, "YAML syntax error: mapping values are not allowed here"),
    ],
    "bad-exercise": [
        ('bad-exercise/modules/01-basics/module.yaml', 8,
         'live_minutes is 30: say what the live time covers in "live_topics"'),
        ('bad-exercise/modules/01-basics/exercises/rb-ex-reflect.yaml', 5,
         'exercise rb-ex-reflect: unknown review "sometimes" (use none, optional or required)'),
    ],
    "missing-module-folder": [
        ("missing-module-folder/course.yaml", 15, 'module folder "modules/03-missing" not found'),
    ],
}


@pytest.mark.parametrize("folder", sorted(BROKEN_CASES))
def test_broken_course_fails_with_a_precise_message(folder):
    assert errors_of(folder) == BROKEN_CASES[folder]


# --- loaded courses that `courses check` refuses (lms.content.checks) ---------------------------

READY = DATA / "ready"

REFUSAL_CASES = {
    "lesson-minutes": [
        ('lesson-minutes/modules/01-basics/lessons/hello.md', 3,
         'minutes 30 is off the reading time by more than 50%: 39 words read in about 0 minutes at '
         '200 words a minute (write 5)'),
    ],
    "hours-off": [
        ('hours-off/course.yaml', 8,
         'hours 40 do not add up: the activities sum to 1.8 hours (reading 5 min, practice 51 min, '
         "live 30 min, exam 20 min); declare between 1.6 and 1.9, or change the activities' minutes"),
    ],
    "competency-not-covered": [
        ('competency-not-covered/course.yaml', 12,
         'competency "advocacy" is declared but no module teaches it (list it in a module.yaml '
         '"competencies")'),
        ('competency-not-covered/course.yaml', 12,
         'competency "advocacy" is assessed by 0 knowledge-check items; it needs at least 3'),
        ('competency-not-covered/course.yaml', 12,
         'competency "advocacy" is assessed by no scenario (list it in a scenario\'s "competencies")'),
    ],
    "cued-quiz": [
        ('cued-quiz/modules/01-basics/quiz.yaml', 3,
         'the correct option is the longest in 2 of 3 single-answer items (at most 40%): rb-q1, rb-q6'),
    ],
    "true-false-keys": [
        ('true-false-keys/modules/01-basics/quiz.yaml', 3,
         '0 of 3 true_false items are keyed true (0%); keep it between 35% and 65%'),
    ],
    "multiple-one-wrong": [
        ('multiple-one-wrong/modules/01-basics/quiz.yaml', 12,
         'question rb-q2: a multiple item needs at least 2 wrong options (it has 1)'),
    ],
    "ungated-scenario": [
        ('ungated-scenario/modules/01-basics/scenarios/rb-call.yaml', 23,
         'scenario rb-call: confidentiality is not rated: rubric ready-rubric needs a '
         '"confidentiality" criterion marked "gate: true" (scored here, or a "no breach" check)'),
        ('ungated-scenario/rubrics/ready-rubric.yaml', 1,
         'criterion "confidentiality" must be a gate ("gate: true"): a breach fails the attempt '
         'whatever the total'),
    ],
    "focal-minimum": [
        ('focal-minimum/modules/01-basics/scenarios/rb-call.yaml', 25,
         'scenario rb-call: focal criterion "listening" has minimum 2; focal criteria need minimum 3 '
         '(set minimums: {listening: 3})'),
    ],
    "few-references": [
        ('few-references/modules/01-basics/scenarios/rb-call.references.yaml', 1,
         'scenario rb-call has 1 reference transcripts; calibration needs at least 2 '
         '(rb-call.references.yaml)'),
    ],
    "reference-mismatch": [
        ('reference-mismatch/modules/01-basics/scenarios/rb-call.references.yaml', 3,
         'reference rb-call-ref-a: 4 replies for 5 turns (one reply per turn, in order)'),
        ('reference-mismatch/modules/01-basics/scenarios/rb-call.references.yaml', 3,
         'reference rb-call-ref-a: no score for "safety"'),
        ('reference-mismatch/modules/01-basics/scenarios/rb-call.references.yaml', 3,
         'reference rb-call-ref-a: no gate outcome for "confidentiality" (no_breach or breach)'),
        ('reference-mismatch/modules/01-basics/scenarios/rb-call.references.yaml', 16,
         'reference rb-call-ref-b: decision "pass" does not agree with the scores (total 8, pass mark '
         '6; breach: confidentiality): it should be "resubmit"'),
    ],
    "pronouns-reused": [
        ('pronouns-reused/modules/01-basics/scenarios/rb-call-two.yaml', 8,
         'persona "Dana" is he/him here but she/her in '
         'pronouns-reused/modules/01-basics/scenarios/rb-call.yaml: use another name'),
    ],
    "scenario-v1": [
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "minutes"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "competencies"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "brief"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "actor_notes"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "rater_notes"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 4, 'scenario rb-call: missing key "pronouns"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1, 'scenario rb-call: missing key "focal"'),
        ('scenario-v1/modules/01-basics/scenarios/rb-call.yaml', 1,
         'scenario rb-call has 0 branches; say how the person reacts when the trainee does not ask, '
         'promises secrecy and gives advice (at least 3)'),
        ('scenario-v1/course.yaml', 10,
         'competency "engagement" is assessed by no scenario (list it in a scenario\'s "competencies")'),
        ('scenario-v1/course.yaml', 12,
         'competency "crisis" is assessed by no scenario (list it in a scenario\'s "competencies")'),
    ],
}


def refusals_of(folder: str) -> list[tuple[str, int | None, str]]:
    course, errors, _warnings = load_course(BROKEN / folder, BROKEN)
    assert errors == [] and course is not None, errors
    return [(finding.file, finding.line, finding.message) for finding in checks.check_course(course)]


def test_the_ready_course_passes_every_check():
    course, errors, _warnings = load_course(READY / "ready-course", READY)
    assert errors == []
    assert checks.check_course(course) == []
    parts = course.hour_breakdown()
    assert (parts.reading, parts.practice, parts.live, parts.exam) == (5, 51, 30, 20)
    assert abs(parts.hours - course.hours) <= 0.1 * parts.hours


def test_the_ready_course_holds_every_v2_part():
    course, _errors, _warnings = load_course(READY / "ready-course", READY)
    module = course.modules[0]
    assert module.live_minutes == 30 and module.live_topics == ("Observed phone role-play with a trainer",)
    exercise = module.exercises[0]
    assert (exercise.id, exercise.minutes, str(exercise.review)) == ("rb-ex-reflect", 15, "optional")
    assert exercise.reasons and "melatonin" in exercise.material
    assert module.quiz.minutes == 6 and {q.competency for q in module.quiz.questions} == {"engagement", "crisis"}
    assert [item.id for item in module.exam_items.items] == [f"rb-x{n}" for n in range(1, 7)]
    scenario = module.scenarios[0]
    assert scenario.brief.startswith("Dana calls") and "drink" in scenario.actor_notes
    assert scenario.persona == {"name": "Dana", "pronouns": "she/her", "description": ""}
    assert len(scenario.branches) == 3 and scenario.focal == ("listening",)
    assert [r.id for r in scenario.references] == ["rb-call-ref-a", "rb-call-ref-b"]
    assert scenario.references[1].gates == {"confidentiality": "breach"}
    assert course.rubrics[0].gates == ("confidentiality", "safety")
    assert course.rubrics[0].scoring_rule.startswith("Score the highest level")
    assert course.exam.blueprint == {"engagement": 2, "crisis": 2} and course.exam.minutes == 20
    assert course.ethics_code.based_on.startswith("A national") and "1. I keep" in course.ethics_code.markdown


@pytest.mark.parametrize("folder", sorted(REFUSAL_CASES))
def test_courses_check_refuses_with_file_and_line(folder):
    assert refusals_of(folder) == REFUSAL_CASES[folder]


def test_every_broken_example_is_tested():
    kept = {path.name for path in BROKEN.iterdir() if path.is_dir()}
    # translation-mismatch: tests/test_course_translations.py
    assert kept == set(BROKEN_CASES) | set(REFUSAL_CASES) | {"short-core-lesson", "translation-mismatch"}


def test_a_short_core_lesson_warns_but_does_not_fail():
    course, errors, warnings = load_course(BROKEN / "short-core-lesson", BROKEN)
    assert errors == [] and course is not None
    assert [str(w) for w in warnings] == [
        "short-core-lesson/modules/01-basics/lessons/hello.md: warning: this lesson has 13 words; "
        "core lessons should have at least 600",
        "short-core-lesson/modules/02-more/lessons/again.md: warning: this lesson has 5 words; "
        "core lessons should have at least 600",
    ]


def test_duplicate_yaml_keys_and_wrong_shapes_are_reported(tmp_path):
    copy = tmp_path / "mini-course"
    shutil.copytree(VALID / "mini-course", copy)
    manifest = copy / "course.yaml"
    manifest.write_text(manifest.read_text().replace("hours: 2\n", "hours: 2\nhours: 3\n")
                        .replace("enrolment: open", "enrolment: invite-only"))
    quiz = copy / "modules/02-validation/quiz.yaml"
    quiz.write_text(quiz.read_text().replace("type: single", "type: singel"))
    _, errors, _ = load_course(copy, tmp_path)
    messages = [str(e) for e in errors]
    assert messages == [
        'mini-course/course.yaml:9: duplicate key "hours" (first at line 8)',
        'mini-course/course.yaml:11: unknown enrolment "invite-only" (use open or organization)',
        'mini-course/modules/02-validation/quiz.yaml:15: question va-q2: unknown type "singel" '
        '(use single, multiple, true_false or best_response)',
    ]


def test_courses_check_lists_every_error_and_exits_non_zero(app, runner):
    app.config["COURSES_DIR"] = str(BROKEN)
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 1
    for cases in [*BROKEN_CASES.values(), *REFUSAL_CASES.values()]:
        for file, line, message in cases:
            assert f"{file}:{line}: {message}" in result.output
    errors = sum(len(cases) for cases in [*BROKEN_CASES.values(), *REFUSAL_CASES.values()])
    errors += len(checks.check_course(load_course(BROKEN / "short-core-lesson", BROKEN)[0]))  # a v1 course
    errors += 5  # translation-mismatch: the five translation errors of tests/test_course_translations.py
    assert f"34 courses checked: {errors} errors, 16 warnings." in result.output


def test_courses_check_passes_with_warnings_on_the_ready_course(app, runner):
    app.config["COURSES_DIR"] = str(READY)
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert "warning: this lesson has 39 words" in result.output
    assert "1 course checked: 0 errors, 1 warning." in result.output


def test_courses_check_refuses_a_v1_course_that_still_loads(app, runner):
    app.config["COURSES_DIR"] = str(VALID)
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 1
    assert 'mini-phone-call.yaml:1: scenario mini-phone-call: missing key "brief"' in result.output


def test_courses_check_can_name_one_course(app, runner):
    app.config["COURSES_DIR"] = str(BROKEN)
    result = runner.invoke(args=["courses", "check", "missing-answer"])
    assert result.exit_code == 1
    assert "1 course checked: 1 error," in result.output
    assert runner.invoke(args=["courses", "check", "nope"]).exit_code != 0


# --- Markdown --------------------------------------------------------------------------------

def test_callouts_render_as_asides_with_a_visible_title():
    html = markdown.render(
        '::: try\n"How has your week been?"\n:::\n\n::: avoid\nWhy?\n:::\n\n::: note\nA fact.\n:::\n')
    assert '<aside class="callout callout-try">\n<p class="callout-title">Try saying</p>' in html
    assert '<aside class="callout callout-avoid">\n<p class="callout-title">Avoid</p>' in html
    assert '<aside class="callout callout-note">\n<p class="callout-title">Note</p>' in html
    assert html.count("</aside>") == 3


def test_raw_html_is_shown_as_text_never_rendered():
    html = markdown.render('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\nHello <b>there</b>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("source", [
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](vbscript:msgbox)",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
])
def test_dangerous_links_are_not_rendered(source):
    html = markdown.render(source)
    assert "href" not in html and "src" not in html  # left as plain text, never a link or an image


def test_sanitizer_keeps_only_what_the_renderer_produces():
    dirty = ('<p onclick="x()">a</p><aside class="callout callout-try evil">b</aside><a href="javascript:x">c</a>'
             '<iframe src="/"></iframe><h1>d</h1><p style="color:red" class="evil">e</p>')
    assert markdown.sanitize(dirty) == (
        '<p>a</p><aside class="callout callout-try">b</aside><a rel="noopener noreferrer">c</a>d<p class="">e</p>'
    )


def test_module_links_and_images_are_rewritten():
    html = markdown.render(
        "See [validation](module:validation#levels).\n\n![Two chairs](images/room.png)\n\n"
        "![elsewhere](images/nope.png)",
        module_url=lambda slug: f"/courses/mini/modules/{slug}",
        asset_url=lambda src: "/assets/room.png" if src == "images/room.png" else None,
    )
    assert '<a href="/courses/mini/modules/validation#levels" rel="noopener noreferrer">validation</a>' in html
    assert '<img src="/assets/room.png" alt="Two chairs">' in html
    assert '<img alt="elsewhere">' in html


def test_tables_get_header_scope_and_a_scrolling_wrapper():
    html = markdown.render("| Skill | Example |\n|:--|--:|\n| Open question | How? |\n")
    assert '<div class="table-wrap">' in html
    assert '<th scope="col">Skill</th>' in html
    assert "style=" not in html


def test_inspect_finds_links_images_callouts_and_counts_words():
    text = "## Title\n\nOne two three.\nSee [x](module:other).\n\n::: tip\nno\n:::\n\n![alt text](images/a.png)\n"
    report = markdown.inspect(text, line_offset=4)
    assert report.module_links == (("other", 8),)
    assert report.images == (("images/a.png", 14),)
    assert report.unknown_callouts == (("tip", 10),)
    assert report.word_count == 10  # Title, One two three, See x, tip no (not a callout), alt text


# --- the shipped core scenarios and rubric in format v2 (issue 14) -------------------------------

GIVE_AWAY = ("could be a warning sign", "no signs of risk", "there are no signs", "seed articles", "adapted from",
             "reveals", "discloses", "over the call he")


def _core(shipped_courses):
    return shipped_courses.course("peer-specialist-core")


def test_core_scenarios_brief_the_trainee_without_giving_the_answers_away(shipped_courses):
    for module in _core(shipped_courses).modules:
        for scenario in module.scenarios:
            brief = scenario.brief.lower()
            assert brief and scenario.actor_notes and scenario.rater_notes, scenario.id
            assert not [phrase for phrase in GIVE_AWAY if phrase in brief], scenario.id
            assert len(scenario.branches) >= 3 and scenario.persona["pronouns"] and scenario.minutes > 0


def test_core_scenarios_rate_both_gates_and_focal_criteria_need_level_three(shipped_courses):
    core = _core(shipped_courses)
    rubric = core.rubrics[0]
    assert rubric.gates == ("confidentiality", "safety")
    minimums = {c.id: c.minimum for c in rubric.criteria}
    for module in core.modules:
        for scenario in module.scenarios:
            assert scenario.focal, scenario.id
            for criterion in scenario.focal:
                assert scenario.minimums.get(criterion, minimums[criterion]) >= 3, (scenario.id, criterion)
    findings = [str(f) for f in checks.check_course(core)]
    assert not [f for f in findings if "is not rated" in f or "focal criterion" in f or 'persona "' in f
                or "branches" in f or ("/scenarios/" in f and "missing key" in f)]


def test_the_self_harm_call_hints_ask_for_limits_early_not_just_listening(shipped_courses):
    scenario = next(s for m in _core(shipped_courses).modules for s in m.scenarios
                    if s.id == "cs-self-harm-disclosure")
    first_hints = " ".join(turn.hint for turn in scenario.turns[:2]).lower()
    assert "listen." not in first_hints and "nothing yet to act on" not in first_hints
    assert "stays private" in scenario.turns[0].hint


def test_the_core_rubric_in_v2(shipped_courses):
    rubric = _core(shipped_courses).rubrics[0]
    criteria = {c.id: c for c in rubric.criteria}
    assert "endorsing a harmful action" in criteria["validation"].levels[1]
    assert "endorsing a harmful action" not in criteria["validation"].levels[2]
    assert "[written:" in criteria["listening"].levels[3]
    assert rubric.scoring_rule.startswith("Score the highest level whose every condition is met")
    for new in ("collaboration", "cultural"):
        assert sorted(criteria[new].levels) == [1, 2, 3, 4]
