"""The analyzer reads each reply against the other person's preceding line wherever a transcript exists; the
self-disclosure note tells a purposeful disclosure from turning the talk to oneself; the training tool uses the
in-domain train part and never the held part."""

import json
from pathlib import Path

import pytest

from lms.roleplay import feedback as formative
from lms.roleplay import second_opinion
from lms.roleplay.analyzer import analyze_reply
from tests import factories

DATA = Path(__file__).parent / "data" / "peer_replies.jsonl"


@pytest.fixture
def scenario(db, people):
    scenario = factories.make_enrolled_scenario(people["trainee"])
    db.session.commit()
    return scenario


def test_the_second_opinion_reads_each_reply_against_the_persona_line_it_answers(monkeypatch, db, people, scenario):
    seen = {}
    real = second_opinion.analyze_transcript

    def spy(replies, targets, *, contexts=None, analyzer=None):
        seen["replies"], seen["contexts"] = list(replies), contexts
        return real(replies, targets, contexts=contexts)

    monkeypatch.setattr(second_opinion, "analyze_transcript", spy)
    lines = formative.persona_lines(scenario.turns)
    replies = ["What has this week been like?", "", "It sounds like it wore you down."]
    submission = factories.make_submission(people["trainee"], scenario, replies=replies)
    opinion = second_opinion.analyzer_second_opinion(submission)
    assert opinion["replies"] == 2
    assert seen["replies"] == [replies[0], replies[2]]
    assert seen["contexts"] == [lines[0], lines[2] if len(lines) > 2 else None]
    assert seen["contexts"][0]  # the scripted line is really there


@pytest.mark.parametrize("kind", ["live", "recorded"])
def test_a_role_play_without_a_transcript_gets_no_second_opinion(db, people, scenario, kind):
    submission = factories.make_submission(people["trainee"], scenario, kind=kind)
    assert submission.replies == []
    assert second_opinion.analyzer_second_opinion(submission) is None


def test_the_context_changes_what_the_analyzer_sees():
    reply = "So the move has left you cut off from everyone."
    from lms.roleplay.analyzer.features import main_features

    with_context = main_features(reply, "Since the move I don't know anybody and I feel cut off.")
    assert with_context["ov_share"] > 0 and "no_prev" not in with_context
    assert "no_prev" in main_features(reply)
    assert analyze_reply(reply, "I moved here and I feel cut off.").main_behaviour == "reflection"


def _disclosure_note(reply, context="I don't know if I can stay sober this time."):
    analysis = analyze_reply(reply, context)
    assert "self_disclosure" in analysis.labels, reply
    return next(n for n in analysis.notes if n.startswith("Self-disclosure"))


@pytest.mark.parametrize("reply", [
    "What helped me early on was calling my sponsor every morning. What might fit for you?",
    "When I was first in recovery, writing things down helped me. I wonder what would help you?",
    "I remember feeling that way too in my first month. What's it been like for you?",
])
def test_a_brief_disclosure_that_hands_the_talk_back_is_purposeful(reply):
    note = _disclosure_note(reply)
    assert note.startswith("Self-disclosure, purposeful") and "turning the talk" not in note


@pytest.mark.parametrize("reply", [
    "When I was using I lost my apartment, my car and my kids for two years. I slept at the bus station and my "
    "brother stopped talking to me. Even now I think about that winter every single day and it still hurts.",
    "I remember my first week sober. I couldn't sleep at all.",
])
def test_a_disclosure_that_keeps_the_talk_on_the_helper_is_named_so(reply):
    note = _disclosure_note(reply)
    assert note.startswith("Self-disclosure, turning the talk to yourself")


def test_the_training_tool_uses_the_train_part_only():
    train_analyzer = pytest.importorskip("tools.train_analyzer")
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    held_ids = {f"peer-{r['id']}" for r in rows if r["split"] == "held"}
    train = train_analyzer.load_in_domain(DATA)
    assert len(train) == sum(r["split"] == "train" for r in rows)
    assert not held_ids & {u.transcript_id for u in train}
    by_id = {f"peer-{r['id']}": r for r in rows}
    for u in train:
        labels = set(by_id[u.transcript_id]["labels"])
        assert ("question" in u.gold) == bool(labels & {"open_question", "closed_question"})
        assert ("reflection" in u.gold) == ("reflection" in labels)
        assert u.previous == by_id[u.transcript_id]["context"]
    # No simple/complex code in the in-domain replies: they never train the complex head.
    utts = [*train]
    complex_rows, _y = train_analyzer.head_data(utts, [{}] * len(utts))["complex"]
    assert complex_rows == []


def test_evaluate_prints_the_grouped_cv_and_held_figures_against_their_targets(runner, tmp_path):
    header = (
        "transcript_id,utterance_id,interlocutor,utterance_text,annotator_id,main_therapist_behaviour,"
        "question_exists,question_subtype,reflection_exists,reflection_subtype,therapist_input_exists,"
        "therapist_input_subtype,client_talk_type,mi_quality,topic"
    )
    rows = [
        '0,0,therapist,"What brings you in today?",1,question,True,open,False,n/a,False,n/a,n/a,high,t',
        '0,1,client,"My sister made me come.",1,n/a,n/a,n/a,n/a,n/a,n/a,n/a,neutral,high,t',
        '0,2,therapist,"It sounds like coming here was not your idea.",1,reflection,False,n/a,True,complex,False,n/a,'
        "n/a,high,t",
    ]
    path = tmp_path / "annomi.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    result = runner.invoke(args=["roleplay", "evaluate", "--data", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "grouped 5-fold cross-validation by transcript" in out
    main = {line.split()[0]: line for line in out.splitlines() if "target 0." in line and line.startswith("  ")}
    assert "met" in main["macro_f1"] and "NOT" not in main["macro_f1"]
    assert "NOT" not in main["reflection"]
    held = next(line for line in out.splitlines() if line.startswith("In-domain peer-support replies, held part"))
    assert "(target 0.85)" in held and "limit statements flagged 0/" in held
    assert float(held.split("macro-F1 ")[1].split()[0]) >= 0.85
