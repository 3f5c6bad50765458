"""The instant formative-feedback analyzer: labels on peer-support replies, speed, transcript totals and targets.

The example replies are our own, written in a peer-support voice (none is taken from AnnoMI).
"""

import ast
import json
import time
from pathlib import Path

import pytest

from lms.roleplay import analyzer as A
from lms.roleplay.analyzer import (
    LABELS,
    ReplyAnalysis,
    TranscriptFeedback,
    analyze_reply,
    analyze_transcript,
)

# (reply, labels that must be present, labels that must be absent)
CASES = [
    # Open questions, with and without a question mark
    ("How have your nights been since the move?", {"open_question"}, {"closed_question", "advice"}),
    ("What was that like for you when your sister stopped calling?", {"open_question"}, {"closed_question"}),
    ("Tell me more about what happened at the shelter", {"open_question"}, {"closed_question", "advice"}),
    ("I'm curious what a good day looks like for you these days.", {"open_question"}, {"closed_question"}),
    ("Can you walk me through what the morning was like", {"open_question"}, {"closed_question"}),
    ("Help me understand what makes Sundays the hardest.", {"open_question"}, {"advice"}),
    ("What would you like to get out of our time together today?", {"open_question"}, {"closed_question"}),
    ("Could you say a bit more about the voices at night?", {"open_question"}, {"closed_question"}),
    # Closed questions
    ("Did you get any sleep last night?", {"closed_question"}, {"open_question"}),
    ("Are you still living with your cousin?", {"closed_question"}, {"open_question", "reflection"}),
    ("Is it okay if we talk about the group on Thursday?", {"closed_question"}, {"open_question"}),
    ("How many days a week are you working right now?", {"closed_question"}, {"open_question"}),
    ("Do you have someone you can call tonight?", {"closed_question"}, {"open_question"}),
    # Reflections with stock phrases
    ("It sounds like the last few weeks have really worn you down.", {"reflection"}, {"advice", "open_question"}),
    ("So you're saying the meetings help, but getting there is the hard part.", {"reflection"}, {"advice"}),
    ("You feel like nobody at work notices how much you're carrying.", {"reflection"}, {"advice", "judgment"}),
    ("What I'm hearing is that you want your kids to see you doing well.", {"reflection"}, {"advice"}),
    ("That sounds really lonely.", {"reflection"}, {"advice", "minimizing"}),
    # Reflections without any stock phrase
    ("You'd rather keep this job than fight with your manager about the hours.", {"reflection"},
     {"advice", "closed_question"}),
    ("Part of you wants to go back to school, and part of you is scared of failing again.", {"reflection"}, {"advice"}),
    ("You're exhausted from pretending everything is fine.", {"reflection"}, {"advice", "judgment"}),
    ("Your brother's visits leave you drained for days afterwards.", {"reflection"}, {"advice", "closed_question"}),
    ("Being a good dad matters more to you than anything right now.", {"reflection"}, {"advice"}),
    ("You've been carrying this by yourself for a long time.", {"reflection"}, {"advice", "closed_question"}),
    # Affirmations
    ("You've worked really hard to stay on track this month.", {"affirmation"}, {"advice", "judgment"}),
    ("That took a lot of courage to tell your family.", {"affirmation"}, {"advice", "minimizing"}),
    ("Coming back to group after a setback shows real strength.", {"affirmation"}, {"judgment"}),
    ("Thank you for trusting me with something so personal.", {"affirmation"}, {"advice"}),
    # Advice
    ("You should just go to bed earlier.", {"advice"}, {"reflection", "affirmation"}),
    ("Have you tried writing in a journal before bed?", {"advice"}, {"reflection"}),
    ("Why don't you call your sponsor when the cravings start?", {"advice"}, {"open_question"}),
    ("I suggest you take a break from your phone for a while.", {"advice"}, {"reflection"}),
    ("If I were you, I'd tell your landlord today.", {"advice"}, {"reflection"}),
    ("You need to stop hanging out with those people.", {"advice"}, {"reflection", "affirmation"}),
    ("Try going for a walk when you start to feel anxious.", {"advice"}, set()),
    # Information
    ("The 988 Suicide and Crisis Lifeline is open around the clock, by call, text or chat.", {"information"},
     {"advice", "secrecy_promise"}),
    ("There's a peer support group that meets at the library every Tuesday evening.", {"information"}, {"judgment"}),
    ("It's really common for people to feel anxious in the first weeks after leaving the hospital.", {"information"},
     {"minimizing", "judgment"}),
    ("What you share with me stays private, except if you tell me you're at risk of harming yourself or someone "
     "else; then I'd need to involve my supervisor.", {"information"}, {"secrecy_promise", "open_question"}),
    # Minimizing
    ("At least you still have a roof over your head.", {"minimizing"}, {"affirmation", "reflection"}),
    ("Don't worry, it could be worse.", {"minimizing"}, {"affirmation"}),
    ("Everyone feels that way sometimes, it's not a big deal.", {"minimizing"}, {"affirmation"}),
    ("Cheer up, things will be fine.", {"minimizing"}, {"affirmation"}),
    ("I know exactly how you feel.", {"minimizing"}, {"affirmation"}),
    # Judgment and clinical labels
    ("That's crazy, you're being dramatic.", {"judgment"}, {"affirmation"}),
    ("Once an addict, always an addict.", {"judgment"}, {"affirmation"}),
    ("Your neighbour sounds like a schizophrenic.", {"judgment"}, {"affirmation"}),
    ("The nurse said you were non-compliant with your meds again.", {"judgment"}, {"affirmation"}),
    ("What were you thinking, going back there?", {"judgment"}, {"affirmation"}),
    ("How long have you been clean?", {"judgment", "closed_question"}, {"affirmation"}),
    # Absolute promises of secrecy
    ("I won't tell anyone, ever.", {"secrecy_promise"}, {"information"}),
    ("Whatever you say, this stays between us no matter what.", {"secrecy_promise"}, set()),
    ("I promise I'll never tell a soul.", {"secrecy_promise"}, set()),
    ("Your secret is safe with me.", {"secrecy_promise"}, set()),
    ("I can't promise to keep everything secret: if you're in danger, I would need to get help.", set(),
     {"secrecy_promise"}),
    ("I won't share your story in group unless you say it's okay, and the limits are the ones we went over.", set(),
     {"secrecy_promise"}),
    # Self-disclosure
    ("When I was drinking, my family stopped talking to me. I lost my apartment and then my job within a year. "
     "I spent two years sleeping on friends' couches before I found a peer group. It took me a really long time "
     "to trust anyone again, and my mom still brings it up at every holiday.", {"self_disclosure"}, {"judgment"}),
    # A brief, purposeful disclosure is labelled (its note says purposeful, see test_analyzer_in_domain.py).
    ("In my own recovery, writing things down helped. What might fit for you?", {"open_question", "self_disclosure"},
     {"judgment"}),
    ("I hear you. I'm wondering what feels most pressing today.", {"open_question"}, {"self_disclosure"}),
    # Combinations
    ("It sounds like mornings are the worst. What usually happens before work?", {"reflection", "open_question"},
     {"advice"}),
    ("You've stayed sober through a really hard month. What helped you hold on?", {"affirmation", "open_question"},
     {"advice", "minimizing"}),
    ("At least you didn't lose your job. You should be grateful.", {"minimizing", "advice"}, {"affirmation"}),
    # Look-alikes that must not trigger a label
    ("Is there anyone you trust that you could talk to tonight?", {"closed_question"}, {"advice", "open_question"}),
    ("How are you feeling about going back to group?", {"open_question"}, {"reflection", "closed_question"}),
    ("You don't have to decide anything today.", set(), {"advice", "reflection", "closed_question"}),
    ("People think you're crazy, and that hurts.", set(), {"judgment", "advice"}),
    ("At least once a week I still go to a meeting myself.", set(), {"minimizing", "self_disclosure"}),
    ("Yeah, I get that.", set(), {"information", "advice", "open_question", "closed_question"}),
    ("Maybe try some deep breathing?", {"advice"}, {"open_question", "closed_question"}),
    ("It sounds like that's been hard, hasn't it?", {"reflection"}, {"advice"}),
    ("You are such a strong person.", {"affirmation"}, {"judgment", "advice"}),
    ("I can tell you care a lot about your son.", {"reflection"}, {"advice", "self_disclosure"}),
    # Minimal encouragers and empty replies carry no behaviour
    ("Mm-hmm.", set(), {"reflection", "open_question", "closed_question", "advice"}),
    ("", set(), set(LABELS)),
]


@pytest.mark.parametrize(("reply", "present", "absent"), CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_reply_labels(reply, present, absent):
    result = analyze_reply(reply)
    assert isinstance(result, ReplyAnalysis)
    assert result.labels <= set(LABELS)
    assert present <= result.labels, f"missing {present - result.labels} in {sorted(result.labels)}"
    assert not (absent & result.labels), f"unexpected {absent & result.labels} in {sorted(result.labels)}"
    assert len(result.notes) == len(result.labels)


def test_enough_cases_and_every_label_covered():
    assert len(CASES) >= 40
    covered = set().union(*(present for _, present, _ in CASES))
    assert covered == set(LABELS)


def test_notes_explain_each_label():
    result = analyze_reply("You should just stop drinking.")
    assert "advice" in result.labels
    note = next(n for n in result.notes if n.startswith("Advice"))
    assert "you should" in note.lower()
    assert "\n" not in note
    flagged = analyze_reply("I won't tell anyone, ever. At least you're not in jail.")
    assert flagged.red_flags == {"secrecy_promise", "minimizing"}
    assert flagged.notes[0].startswith("Red flag - secrecy promise")


def test_complex_and_simple_reflections():
    both_sides = "Part of you wants to go back, and part of you is afraid it will all happen again."
    assert analyze_reply(both_sides).complex_reflection
    simple = analyze_reply("You moved in with your aunt in March.")
    assert not simple.complex_reflection


def test_analysis_is_frozen():
    result = analyze_reply("How are you?")
    with pytest.raises(AttributeError):
        result.labels = frozenset()


def test_speed_of_a_whole_transcript():
    replies = [c[0] for c in CASES[:20]]
    analyze_transcript(replies)  # load the model once
    timings = []
    for _ in range(5):  # best of five, so a busy machine does not make the test flaky
        started = time.perf_counter()
        analyze_transcript(replies)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.1, f"{min(timings) * 1000:.1f} ms for 20 replies"


def test_transcript_totals_and_targets():
    replies = [
        "Hi Dana, thanks for coming in. What's been on your mind this week?",  # open question
        "It sounds like losing the job shook your sense of who you are.",  # complex reflection
        "You've been sending out applications every day.",  # reflection
        "Did you eat anything today?",  # closed question
        "You should go to the job centre tomorrow.",  # advice
        "I won't tell anyone about this, ever.",  # red flag
    ]
    feedback = analyze_transcript(replies, {"reflections_per_question": 1.0, "complex_reflection_share": 0.4,
                                            "max_advice": 0})
    assert isinstance(feedback, TranscriptFeedback)
    assert len(feedback.analyses) == len(replies)
    assert feedback.questions == 2
    assert feedback.counts["open_question"] == 1 and feedback.counts["closed_question"] == 1
    assert feedback.reflections == feedback.counts["reflection"] >= 2
    assert feedback.counts["advice"] == 1
    assert feedback.reflections_per_question == pytest.approx(feedback.reflections / 2)
    assert feedback.complex_reflection_share == pytest.approx(feedback.complex_reflections / feedback.reflections)
    checks = {c.name: c for c in feedback.target_checks}
    assert set(checks) == {"reflections_per_question", "complex_reflection_share", "max_advice"}
    assert checks["reflections_per_question"].met == (feedback.reflections_per_question >= 1.0)
    assert checks["max_advice"] == ("max_advice", 1, 0.0, False)
    name, value, target, met = checks["complex_reflection_share"]
    assert (target, met) == (0.4, value >= 0.4)
    assert [(f.reply_index, f.label) for f in feedback.red_flags] == [(5, "secrecy_promise")]
    assert feedback.red_flags[0].note.startswith("Red flag")
    assert not feedback.all_targets_met


def test_targets_met_by_a_listening_transcript():
    replies = [
        "What brings you here today?",
        "It sounds like you've been carrying a lot on your own.",
        "Part of you wants help, and part of you worries what people will think.",
        "You're tired of feeling this way.",
    ]
    feedback = analyze_transcript(replies, {"reflections_per_question": 2.0, "complex_reflection_share": 0.5,
                                            "max_advice": 0, "min_open_question": 1})
    assert feedback.questions == 1 and feedback.reflections == 3
    assert feedback.all_targets_met, feedback.target_checks
    assert feedback.red_flags == ()


def test_default_empty_and_unknown_targets():
    assert {c.name for c in analyze_transcript(["How are you?"]).target_checks} == set(A.DEFAULT_TARGETS)
    assert analyze_transcript(["How are you?"], {}).target_checks == []
    assert analyze_transcript(["How are you?"], {"something_else": 3}).target_checks == []


def test_ratios_without_questions_or_reflections():
    only_reflections = analyze_transcript(["It sounds like you're worn out."], {"reflections_per_question": 1.0})
    assert only_reflections.reflections_per_question is None
    assert only_reflections.target_checks[0].met  # no question at all: the ratio is unbounded
    nothing = analyze_transcript([], {"reflections_per_question": 1.0, "complex_reflection_share": 0.4})
    assert nothing.reflections_per_question is None and nothing.complex_reflection_share is None
    assert [c.met for c in nothing.target_checks] == [False, False]


def test_works_without_the_model_file():
    rules_only = A.Analyzer(None)
    assert "open_question" in rules_only.analyze("How was the weekend?").labels
    assert "reflection" in rules_only.analyze("It sounds like the weekend was rough.").labels
    assert "secrecy_promise" in rules_only.analyze("I'll never tell anyone.").labels


def test_model_file_is_small_and_pure_python():
    path = A.MODEL_PATH
    assert path.stat().st_size < 2 * 1024 * 1024
    model = json.loads(path.read_text())
    assert set(A.HEADS) <= set(model["heads"])
    assert model["cv"]["question"]["f1"] >= 0.85
    package = Path(A.__file__).parent
    sources = [*package.glob("*.py"), package.parent / "agreement.py"]
    assert len(sources) >= 8
    for source_path in sources:
        source = source_path.read_text()
        assert len(source.splitlines()) <= 400, source_path.name
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {m for m in imported if m.split(".")[0] in {"flask", "sqlalchemy", "numpy", "sklearn", "lms"}}, (
            source_path.name
        )


def test_evaluation_on_a_small_annomi_file(tmp_path):
    from tools.annomi import evaluate, format_report, load_utterances

    header = (
        "transcript_id,utterance_id,interlocutor,utterance_text,annotator_id,main_therapist_behaviour,"
        "question_exists,question_subtype,reflection_exists,reflection_subtype,therapist_input_exists,"
        "therapist_input_subtype,client_talk_type,mi_quality,topic"
    )
    rows = [
        '0,0,therapist,"What brings you in today?",2,question,True,open,False,n/a,False,n/a,n/a,high,t',
        '0,0,therapist,"What brings you in today?",1,question,True,open,False,n/a,False,n/a,n/a,high,t',
        '0,1,client,"My sister made me come.",1,n/a,n/a,n/a,n/a,n/a,n/a,n/a,neutral,high,t',
        '0,2,therapist,"It sounds like coming here was not your idea.",1,reflection,False,n/a,True,complex,False,n/a,'
        "n/a,high,t",
        '0,3,client,"Not really.",1,n/a,n/a,n/a,n/a,n/a,n/a,n/a,neutral,high,t',
        '0,4,therapist,"You should cut down to two drinks.",1,therapist_input,False,n/a,False,n/a,True,advice,n/a,'
        "high,t",
        '2,0,therapist,"Did you drink last night?",3,question,True,closed,False,n/a,False,n/a,n/a,low,t',
    ]
    path = tmp_path / "annomi.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    utterances = load_utterances(path)
    assert [(u.transcript_id, u.utterance_id) for u in utterances] == [("0", 0), ("0", 2), ("0", 4), ("2", 0)]
    assert utterances[1].previous == "My sister made me come."
    metrics = evaluate(path)
    assert metrics["utterances"] == 4 and metrics["transcripts"] == 2
    for block in ("shipped_on_dev", "baseline"):
        assert set(metrics[block]) == {
            "question", "open_question", "closed_question", "reflection", "complex_reflection", "advice", "information"
        }
    assert metrics["shipped_on_dev"]["question"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "predicted": 2
    }
    assert metrics["shipped_on_dev"]["advice"]["f1"] == 1.0
    assert metrics["cross_validated"]["question"]["f1"] >= 0.85
    report = format_report(metrics)
    assert "cross-validated" in report.lower() and "baseline" in report.lower()


def test_main_behaviour_is_one_of_four_and_reads_the_context():
    engine = A.default_analyzer()
    assert engine.main is not None
    assert analyze_reply("What brings you in today?").main_behaviour == "question"
    reply = "So the move has left you feeling cut off from everyone you know."
    assert analyze_reply(reply, "I moved here for the job and I don't know anybody.").main_behaviour == "reflection"
    assert engine.main_behaviour("") == "other"
    assert A.Analyzer(None).main_behaviour("What brings you in?") is None
    # The context changes the features the head sees (overlap with the preceding line).
    from lms.roleplay.analyzer.features import main_features

    assert "ov_share" in main_features(reply, "Since the move I feel cut off.")
    assert "no_prev" in main_features(reply)


def test_shipped_model_stores_its_grouped_cv_figures():
    model = json.loads(A.MODEL_PATH.read_text())
    cv = model["cv_main"]
    assert cv["grouped_by"] == "transcript_id" and cv["folds"] == 5
    assert set(cv["f1"]) == {"question", "reflection", "therapist_input", "other"}
    # Issue 16's targets on unseen transcripts that the shipped model meets (docs/analyzer.md has every figure).
    assert cv["macro_f1"] >= 0.75 and cv["f1"]["reflection"] >= 0.70
    assert A.reported_accuracy() == cv["macro_f1"]
