"""The module-step rule, from plain facts: no database, no app."""

from lms.learning.progress import ModuleFacts, ModuleStatus, module_progress


def test_modules_open_in_order_and_a_passed_module_opens_the_next():
    result = module_progress([
        ModuleFacts(lessons=2, quiz=True, lessons_read=2, quiz_passed=True, quiz_attempted=True, passed=True),
        ModuleFacts(lessons=3),
        ModuleFacts(lessons=1),
    ])
    assert [m.status for m in result.modules] == [ModuleStatus.PASSED, ModuleStatus.AVAILABLE, ModuleStatus.LOCKED]
    assert result.modules_passed == 1


def test_anything_read_done_attempted_or_started_puts_a_module_in_progress():
    for facts in (ModuleFacts(lessons=2, lessons_read=1), ModuleFacts(exercises=1, exercises_done=1),
                  ModuleFacts(quiz=True, quiz_attempted=True), ModuleFacts(scenarios=1, scenarios_started=1)):
        assert module_progress([facts]).modules[0].status is ModuleStatus.IN_PROGRESS, facts


def test_steps_count_lessons_exercises_the_quiz_and_role_plays():
    facts = ModuleFacts(lessons=4, exercises=2, quiz=True, scenarios=2, lessons_read=4, exercises_done=1,
                        quiz_passed=False, quiz_attempted=True, scenarios_passed=1, scenarios_started=2)
    module = module_progress([facts]).modules[0]
    assert (module.steps_done, module.steps_total) == (6, 9)
    assert module.percent == 66  # whole percent, rounded down: 100% only when everything is done


def test_a_passed_module_is_complete_whatever_its_counts_and_totals_add_up():
    result = module_progress([
        ModuleFacts(lessons=2, quiz=True, lessons_read=2, quiz_passed=True, passed=True),
        ModuleFacts(lessons=2, scenarios=1, lessons_read=1, scenarios_passed=0),
    ])
    assert result.modules[0].percent == 100
    assert result.modules[1].percent == 33
    assert (result.steps_done, result.steps_total, result.percent) == (4, 6, 66)


def test_counts_above_what_a_module_asks_for_do_not_overflow():
    module = module_progress([ModuleFacts(lessons=1, lessons_read=3, scenarios=1, scenarios_passed=2)]).modules[0]
    assert (module.steps_done, module.steps_total) == (2, 2)


def test_a_module_without_steps_counts_as_done_and_an_empty_course_as_zero():
    assert module_progress([ModuleFacts()]).modules[0].percent == 100
    assert module_progress([]).percent == 0
