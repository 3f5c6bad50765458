"""`flask roleplay analyze | evaluate | agreement`: the analyzer from the command line."""

import csv
import itertools
import json

import pytest

from tests.conftest import SHARED

ANNOMI = SHARED / "data" / "annomi-dev.csv"


def test_analyze_prints_one_json_array_of_labels_per_line(runner):
    replies = [
        "Of course. I won't tell anyone, ever.",
        "What brings you in today?",
        "You should try going to bed earlier.",
        "",
        "At least you still have your job.",
    ]
    result = runner.invoke(args=["roleplay", "analyze"], input="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == len(replies)
    assert "secrecy_promise" in lines[0]
    assert "open_question" in lines[1]
    assert "advice" in lines[2]
    assert lines[3] == []
    assert "minimizing" in lines[4]
    allowed = {"open_question", "closed_question", "reflection", "affirmation", "advice", "information",
               "minimizing", "judgment", "secrecy_promise", "self_disclosure"}
    assert all(set(labels) <= allowed for labels in lines)


def test_analyze_jsonl_reads_reply_and_context(runner):
    items = [
        {"reply": "So the move has left you feeling cut off from everyone.", "context": "I moved and know nobody."},
        {"reply": "What brings you in today?"},
        {},
        {"reply": "I won't tell anyone, ever.", "context": None},
    ]
    lines_in = [json.dumps(item) for item in items] + [""]
    result = runner.invoke(args=["roleplay", "analyze", "--jsonl"], input="\n".join(lines_in) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == len(lines_in)
    assert "reflection" in lines[0]
    assert "open_question" in lines[1]
    assert lines[2] == [] and lines[4] == []
    assert "secrecy_promise" in lines[3]


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '{"reply": 5}'])
def test_analyze_jsonl_refuses_a_malformed_line(runner, bad):
    result = runner.invoke(args=["roleplay", "analyze", "--jsonl"], input=bad + "\n")
    assert result.exit_code != 0 and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["evaluate", "agreement"])
def test_research_commands_need_the_data_path(runner, tmp_path, command):
    assert runner.invoke(args=["roleplay", command]).exit_code != 0
    result = runner.invoke(args=["roleplay", command, "--data", str(tmp_path / "none.csv")])
    assert result.exit_code != 0 and "does not exist" in result.output


@pytest.mark.skipif(not ANNOMI.exists(), reason="the AnnoMI development file is not beside the repository")
def test_evaluate_prints_precision_recall_and_f1(runner, tmp_path):
    # A slice of whole transcripts keeps the test fast; the full file gives the figures in the note.
    with open(ANNOMI, newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        rows = list(itertools.islice(reader, 600))
        fields = reader.fieldnames
    sample = tmp_path / "annomi-sample.csv"
    with open(sample, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(args=["roleplay", "evaluate", "--data", str(sample)])
    assert result.exit_code == 0, result.output
    for task in ("question (any)", "open question", "closed question", "reflection (any)", "advice", "information"):
        assert task in result.output
    assert "F1 (P/R)" in result.output
