"""The reply analyzer on a 20-reply written role-play (each reply with the scripted line it answers)."""

from __future__ import annotations

from bench.measure import median_ms, timed
from bench.report import Row

PERSONA = (
    "I don't know why I came. Work has been a mess and I keep snapping at my kids.",
    "My sponsor says I should call more, but I feel like a burden.",
    "Last week I almost drank after the meeting. I sat in the car for an hour.",
    "Nobody at home gets it. They think I should be over this by now.",
)
REPLIES = (
    "It sounds like you're carrying a lot right now, at work and at home.",
    "What was going through your mind while you sat in the car?",
    "You made it through that hour without drinking; that took real strength.",
    "Part of you wants to reach out, and part of you worries about being too much.",
    "Did you call anyone that night?",
)


def transcript(n: int = 20) -> tuple[list[str], list[str]]:
    replies = [REPLIES[i % len(REPLIES)] for i in range(n)]
    contexts = [PERSONA[i % len(PERSONA)] for i in range(n)]
    return replies, contexts


def analyzer_rows(repeat: int) -> list[Row]:
    from lms.roleplay.analyzer import analyze_transcript, default_analyzer

    default_analyzer()  # load the weights once, as a running server does
    replies, contexts = transcript()
    times = timed(lambda: analyze_transcript(replies, contexts=contexts), repeat=max(repeat, 5), warmup=2)
    value = median_ms(times)
    return [Row("Reply analyzer", f"Analyse a 20-reply transcript with context (median of {len(times)})", "ms",
                value, "-", None, "< 100 ms", value < 100.0)]
