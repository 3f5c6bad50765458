"""What a loaded course must satisfy to be certifiable: `flask courses check` refuses it otherwise.

The loader (`loader.py`) refuses files it cannot read into a course. These checks look at a whole
loaded course: honest hours, competency coverage, quiz cue lints, safety gates, focal minimums,
reference transcripts that agree with the pass rule, names used with one set of pronouns. Every
finding names the file and line. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from lms.content.schema import (
    ContentError,
    CourseSpec,
    LoadResult,
    ModuleSpec,
    Question,
    QuestionType,
    RubricSpec,
    ScenarioSpec,
)
from lms.content.translations import check_translation, languages_of
from lms.roleplay import rubric as pass_rule

WORDS_PER_MINUTE = 200
LESSON_TOLERANCE = 0.5
HOURS_TOLERANCE = 0.10
MIN_LESSON_MINUTES = 5
MIN_QUIZ_ITEMS_PER_COMPETENCY = 3
MIN_EXAM_ITEMS_PER_COMPETENCY = 3
LONGEST_CORRECT_SHARE = 0.40
TRUE_SHARE = (0.35, 0.65)
MIN_TRUE_FALSE_ITEMS = 3
MIN_WRONG_OPTIONS = 2
FOCAL_MINIMUM = 3
MIN_REFERENCES = 2
MIN_BRANCHES = 3
GATES = ("confidentiality", "safety")
SCENARIO_V2_KEYS = ("minutes", "competencies", "brief", "actor_notes", "rater_notes", "pronouns", "focal")


def review(result: LoadResult) -> LoadResult:
    """`result` with every loaded course's curriculum findings added to its errors."""
    findings = [finding for course in result.courses for finding in check_course(course)]
    translation_findings = [finding for course in result.courses for finding in check_translations(course)]
    errors = tuple(f for f in translation_findings if not f.warning)
    warnings = tuple(f for f in translation_findings if f.warning)
    return LoadResult(result.courses, result.errors + tuple(findings) + errors, result.warnings + warnings,
                      result.checked)


def check_translations(course: CourseSpec) -> list[ContentError]:
    """Every translation of the course mirrors it file for file, id for id (lms.content.translations)."""
    if not course.folder:
        return []
    folder = Path(course.folder)
    prefix = Path(course.source).parent
    return [
        ContentError(str(prefix / finding.file), None, finding.message, warning=not finding.error)
        for language in languages_of(folder)
        for finding in check_translation(folder, language).findings
    ]


def check_course(course: CourseSpec) -> list[ContentError]:
    findings: list[ContentError] = []
    add = lambda file, line, message: findings.append(ContentError(file, line, message))  # noqa: E731
    rubrics = {r.id: r for r in course.rubrics}
    for module in course.modules:
        _lessons(module, add)
        if module.quiz is not None:
            if module.quiz.minutes <= 0:
                add(module.quiz.source, 1, 'missing key "minutes" (about one minute per question)')
            _items(module.quiz.questions, module.quiz.source, module.quiz.lines.get("questions", 1), add)
        if module.exam_items is not None:
            _items(module.exam_items.items, module.exam_items.source, 1, add)
            _exam_pool(module, add)
        for scenario in module.scenarios:
            _scenario(scenario, rubrics.get(scenario.rubric), add)
    for rubric in course.rubrics:
        _rubric(rubric, add)
    _hours(course, add)
    _coverage(course, add)
    _pronouns(course, add)
    _unique_ids(course, add)
    if course.exam is not None:
        _blueprint(course, add)
    return findings


# --- hours -----------------------------------------------------------------------------------

def _lessons(module: ModuleSpec, add) -> None:
    for lesson in module.lessons:
        reading = lesson.word_count / WORDS_PER_MINUTE
        too_high = lesson.minutes > reading * (1 + LESSON_TOLERANCE) and lesson.minutes > MIN_LESSON_MINUTES
        too_low = lesson.minutes < reading * (1 - LESSON_TOLERANCE)
        if too_high or too_low:
            suggest = max(MIN_LESSON_MINUTES, round(reading))
            add(lesson.source, lesson.minutes_line,
                f"minutes {lesson.minutes} is off the reading time by more than 50%: {lesson.word_count} words "
                f"read in about {round(reading)} minutes at {WORDS_PER_MINUTE} words a minute (write {suggest})")


def _hours(course: CourseSpec, add) -> None:
    parts = course.hour_breakdown()
    if parts.total_minutes <= 0:
        return
    if abs(course.hours - parts.hours) > HOURS_TOLERANCE * parts.hours:
        low, high = parts.hours * (1 - HOURS_TOLERANCE), parts.hours * (1 + HOURS_TOLERANCE)
        add(course.source, course.lines.get("hours"),
            f"hours {course.hours:g} do not add up: the activities sum to {parts.hours:.1f} hours (reading "
            f"{parts.reading} min, practice {parts.practice} min, live {parts.live} min, exam {parts.exam} min); "
            f"declare between {low:.1f} and {high:.1f}, or change the activities' minutes")


# --- competencies ------------------------------------------------------------------------------

def _coverage(course: CourseSpec, add) -> None:
    taught = {c for m in course.modules for c in m.competencies}
    quizzed = Counter(q.competency for m in course.modules if m.quiz for q in m.quiz.questions if q.competency)
    in_scenarios = {c for m in course.modules for s in m.scenarios for c in s.competencies}
    for competency in course.competencies:
        line = course.competency_lines.get(competency.id)
        if competency.id not in taught:
            add(course.source, line, f'competency "{competency.id}" is declared but no module teaches it '
                                     '(list it in a module.yaml "competencies")')
        if quizzed[competency.id] < MIN_QUIZ_ITEMS_PER_COMPETENCY:
            add(course.source, line, f'competency "{competency.id}" is assessed by {quizzed[competency.id]} '
                                     f'knowledge-check items; it needs at least {MIN_QUIZ_ITEMS_PER_COMPETENCY}')
        if competency.id not in in_scenarios:
            add(course.source, line, f'competency "{competency.id}" is assessed by no scenario '
                                     "(list it in a scenario's \"competencies\")")


def _exam_pool(module: ModuleSpec, add) -> None:
    counts = Counter(item.competency for item in module.exam_items.items)
    for competency in module.competencies:
        if counts[competency] < MIN_EXAM_ITEMS_PER_COMPETENCY:
            add(module.exam_items.source, 1,
                f'{counts[competency]} exam items for competency "{competency}", which this module teaches; '
                f"add at least {MIN_EXAM_ITEMS_PER_COMPETENCY}")


def _blueprint(course: CourseSpec, add) -> None:
    pool = Counter(item.competency for m in course.modules if m.exam_items for item in m.exam_items.items)
    for competency, wanted in course.exam.blueprint.items():
        if pool[competency] < wanted:
            add(course.exam.source, course.exam.lines.get("blueprint"),
                f'blueprint draws {wanted} items for "{competency}" but the exam pool has {pool[competency]}')


def _unique_ids(course: CourseSpec, add) -> None:
    seen: dict[str, str] = {}
    for module in course.modules:
        quiz_ids = {q.id for q in module.quiz.questions} if module.quiz else set()
        seen.update({qid: module.quiz.source for qid in quiz_ids})
    for module in course.modules:
        for item in module.exam_items.items if module.exam_items else ():
            if item.id in seen:
                add(module.exam_items.source, item.line, f'duplicate question id "{item.id}" (also in {seen[item.id]})')
            seen.setdefault(item.id, module.exam_items.source)
    exercises: dict[str, str] = {}
    for module in course.modules:
        for exercise in module.exercises:
            if exercise.id in exercises:
                add(exercise.source, exercise.line,
                    f'duplicate exercise id "{exercise.id}" (also in {exercises[exercise.id]})')
            exercises.setdefault(exercise.id, exercise.source)


# --- item cue lints ----------------------------------------------------------------------------

def _items(questions: Iterable[Question], file: str, line: int | None, add) -> None:
    questions = list(questions)
    for question in questions:
        if not question.competency:
            add(file, question.line, f'question {question.id}: missing key "competency" '
                                     "(the course competency it mainly assesses)")
        if question.type is QuestionType.MULTIPLE:
            wrong = sum(1 for option in question.options if not option.correct)
            if wrong < MIN_WRONG_OPTIONS:
                add(file, question.line, f"question {question.id}: a multiple item needs at least "
                                         f"{MIN_WRONG_OPTIONS} wrong options (it has {wrong})")
    single = [q for q in questions if q.type in (QuestionType.SINGLE, QuestionType.BEST_RESPONSE)]
    longest = [q.id for q in single if _correct_is_longest(q)]
    if single and len(longest) > LONGEST_CORRECT_SHARE * len(single):
        add(file, line, f"the correct option is the longest in {len(longest)} of {len(single)} single-answer "
                        f"items (at most {LONGEST_CORRECT_SHARE:.0%}): {', '.join(longest)}")
    true_false = [q for q in questions if q.type is QuestionType.TRUE_FALSE]
    if len(true_false) >= MIN_TRUE_FALSE_ITEMS:
        keyed_true = sum(1 for q in true_false if any(o.correct and o.id == "true" for o in q.options))
        share = keyed_true / len(true_false)
        if not TRUE_SHARE[0] <= share <= TRUE_SHARE[1]:
            add(file, line, f"{keyed_true} of {len(true_false)} true_false items are keyed true ({share:.0%}); "
                            f"keep it between {TRUE_SHARE[0]:.0%} and {TRUE_SHARE[1]:.0%}")


def _correct_is_longest(question: Question) -> bool:
    correct = [len(o.text) for o in question.options if o.correct]
    wrong = [len(o.text) for o in question.options if not o.correct]
    return bool(correct and wrong) and max(correct) > max(wrong)


# --- scenarios, rubrics, references ------------------------------------------------------------

def _rubric(rubric: RubricSpec, add) -> None:
    criteria = {c.id: c for c in rubric.criteria}
    for gate in GATES:
        if gate in criteria and not criteria[gate].gate:
            add(rubric.source, rubric.line, f'criterion "{gate}" must be a gate ("gate: true"): a breach fails '
                                            "the attempt whatever the total")


def _scenario(scenario: ScenarioSpec, rubric: RubricSpec | None, add) -> None:
    label, file, lines = f"scenario {scenario.id}", scenario.source, scenario.lines
    present = {"minutes": scenario.minutes > 0, "competencies": bool(scenario.competencies),
               "brief": bool(scenario.brief), "actor_notes": bool(scenario.actor_notes),
               "rater_notes": bool(scenario.rater_notes), "pronouns": bool(scenario.persona.get("pronouns")),
               "focal": bool(scenario.focal)}
    for key in SCENARIO_V2_KEYS:
        if not present[key]:
            add(file, lines.get(key) if key != "pronouns" else lines.get("persona"), f'{label}: missing key "{key}"')
    if len(scenario.branches) < MIN_BRANCHES:
        add(file, lines.get("branches"), f"{label} has {len(scenario.branches)} branches; say how the person "
                                         "reacts when the trainee does not ask, promises secrecy and gives advice "
                                         f"(at least {MIN_BRANCHES})")
    if rubric is None:
        return
    gates = set(rubric.gates)
    for gate in GATES:
        if gate not in gates:
            add(file, lines.get("rubric"), f'{label}: {gate} is not rated: rubric {rubric.id} needs a "{gate}" '
                                           'criterion marked "gate: true" (scored here, or a "no breach" check)')
    minimums = {c.id: scenario.minimums.get(c.id, c.minimum) for c in rubric.criteria}
    for criterion in scenario.focal:
        if minimums.get(criterion, FOCAL_MINIMUM) < FOCAL_MINIMUM:
            add(file, lines.get("focal"), f'{label}: focal criterion "{criterion}" has minimum '
                                          f"{minimums[criterion]}; focal criteria need minimum {FOCAL_MINIMUM} "
                                          f"(set minimums: {{{criterion}: {FOCAL_MINIMUM}}})")
    _references(scenario, rubric, add)


def _references(scenario: ScenarioSpec, rubric: RubricSpec, add) -> None:
    file = scenario.references_source or scenario.source
    if len(scenario.references) < MIN_REFERENCES:
        add(file, 1 if scenario.references_source else scenario.line,
            f"scenario {scenario.id} has {len(scenario.references)} reference transcripts; calibration needs at "
            f"least {MIN_REFERENCES} ({scenario.id}.references.yaml)")
    raw_criteria = [{"id": c.id, "title": c.title, "minimum": c.minimum, "gate": c.gate, "levels": c.levels}
                    for c in rubric.criteria]
    scored = pass_rule.scored_criteria(raw_criteria, scenario.criteria, scenario.minimums)
    checks = pass_rule.gate_checks(raw_criteria, scenario.criteria)
    for reference in scenario.references:
        label = f"reference {reference.id}"
        problems = []
        if len(reference.replies) != len(scenario.turns):
            problems.append(f"{len(reference.replies)} replies for {len(scenario.turns)} turns "
                            "(one reply per turn, in order)")
        for criterion in scenario.criteria:
            if criterion not in reference.scores:
                problems.append(f'no score for "{criterion}"')
            if criterion not in reference.rationale:
                problems.append(f'no rationale for "{criterion}"')
        problems += [f'a score for "{c}", which the scenario does not score' for c in reference.scores
                     if c not in scenario.criteria]
        problems += [f'no gate outcome for "{c.id}" (no_breach or breach)' for c in checks
                     if c.id not in reference.gates]
        for problem in problems:
            add(file, reference.line, f"{label}: {problem}")
        if problems:
            continue
        decision = pass_rule.decide(scored, reference.scores, scenario.pass_mark,
                                    {k: str(v) for k, v in reference.gates.items()}, checks)
        if decision.decision != str(reference.decision):
            reasons = [f"total {decision.total}, pass mark {decision.pass_mark}"]
            if decision.below_minimum:
                reasons.append(f"below minimum: {', '.join(decision.below_minimum)}")
            if decision.breaches:
                reasons.append(f"breach: {', '.join(decision.breaches)}")
            add(file, reference.line, f'{label}: decision "{reference.decision}" does not agree with the scores '
                                      f'({"; ".join(reasons)}): it should be "{decision.decision}"')


def _pronouns(course: CourseSpec, add) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for module in course.modules:
        for scenario in module.scenarios:
            name = scenario.persona.get("name", "")
            pronouns = scenario.persona.get("pronouns", "")
            if not name or not pronouns:
                continue
            if name in seen and seen[name][0] != pronouns:
                add(scenario.source, scenario.lines.get("pronouns"),
                    f'persona "{name}" is {pronouns} here but {seen[name][0]} in {seen[name][1]}: '
                    "use another name")
            seen.setdefault(name, (pronouns, scenario.source))

