"""Reading rubrics, role-play scenarios (brief for the trainee, notes for raters) and reference transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lms.content.fields import (
    BRANCH_FIELDS,
    CRITERION_FIELDS,
    PERSONA_FIELDS,
    REFERENCE_FIELDS,
    REFERENCES_FIELDS,
    RUBRIC_FIELDS,
    SCENARIO_FIELDS,
    TURN_FIELDS,
    type_ok,
)
from lms.content.reader import Reader
from lms.content.schema import (
    Branch,
    Criterion,
    Decision,
    GateOutcome,
    ReferenceSpec,
    RubricSpec,
    ScenarioSpec,
    Setting,
    Turn,
)
from lms.content.yaml_lines import line_of

MIN_TURNS = 5


class ScenarioReader(Reader):
    # -- rubrics --
    def rubrics(self) -> dict[str, RubricSpec]:
        result: dict[str, RubricSpec] = {}
        folder = self.folder / "rubrics"
        if not folder.is_dir():
            return result
        for path in sorted(folder.glob("*.yaml")):
            rubric = self.rubric(path)
            if rubric is not None:
                result[rubric.id] = rubric
        return result

    def rubric(self, path: Path) -> RubricSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, RUBRIC_FIELDS, file, "", 1)
        if data is None:
            return None
        if data["id"] != path.stem:
            self.error(file, line_of(raw, "id", 1),
                       f'rubric id "{data["id"]}" does not match the file name "{path.name}"')
        criteria = []
        values = data["criteria"]
        if not values:
            self.error(file, line_of(raw, "criteria", 1), "a rubric needs at least one criterion")
        for index, item in enumerate(values):
            item_line = line_of(values, index, None)
            label = f"criterion {item.get('id', index + 1) if isinstance(item, dict) else index + 1}"
            crit = self.fields(item, CRITERION_FIELDS, file, label, item_line)
            if crit is None:
                continue
            if not 1 <= crit["minimum"] <= 4:
                self.error(file, line_of(item, "minimum", item_line),
                           f'{label}: "minimum" should be a level from 1 to 4')
            levels = crit["levels"]
            if set(levels) != {1, 2, 3, 4}:
                self.error(file, line_of(item, "levels", item_line),
                           f"{label}: levels should be exactly 1, 2, 3 and 4, one behavioural anchor each")
            elif not all(isinstance(v, str) and v.strip() for v in levels.values()):
                self.error(file, line_of(item, "levels", item_line), f"{label}: every level needs a description")
            else:
                criteria.append(Criterion(crit["id"], crit["title"], crit["minimum"], crit["safety_critical"],
                                          {int(k): v.strip() for k, v in sorted(levels.items())}, crit["gate"]))
        self.check_unique([(c.id, None) for c in criteria], file, "criterion id")
        return RubricSpec(data["id"], data["title"], tuple(criteria), file, data["scoring_rule"],
                          line=line_of(raw, "id", 1))

    # -- scenarios --
    def scenario(self, path: Path, rubrics: dict[str, RubricSpec], competency_ids: set[str]) -> ScenarioSpec | None:
        file = self.rel(path)
        raw = self.read_yaml(path)
        if raw is None:
            return None
        data = self.fields(raw, SCENARIO_FIELDS, file, "", 1)
        if data is None:
            return None
        line = raw.line_of
        label = f"scenario {data['id']}"
        if data["id"] != path.stem:
            self.error(file, line("id"), f'scenario id "{data["id"]}" does not match the file name "{path.name}"')
        self.check_slug(data["id"], file, line("id"), "scenario id")
        setting = self.enum(Setting, data["setting"], file, line("setting"), "setting", label)
        persona = self.fields(data["persona"], PERSONA_FIELDS, file, f"{label}, persona", line("persona"))
        skills = self.text_list(data["skills"], file, label, "skills", line("skills"))
        if data["minutes"] < 0:
            self.error(file, line("minutes"), f'{label}: "minutes" cannot be negative')
        competencies = self.text_list(data["competencies"], file, label, "competencies", line("competencies"))
        self.check_competencies(competencies, data["competencies"], file, label, line("competencies"), competency_ids)
        criteria = self._criteria(data, rubrics, file, line, label)
        focal = self.text_list(data["focal"], file, label, "focal", line("focal"))
        for index, criterion in enumerate(focal):
            if criterion not in criteria:
                self.error(file, line_of(data["focal"], index, line("focal")),
                           f'{label}: focal criterion "{criterion}" is not one of its scored criteria')
        minimums = self._minimums(data, criteria, file, line, label)
        branches, turns = self._branches_and_turns(data, file, line, label)
        references, references_source = self.references(path, data["id"])
        if setting is None or persona is None:
            return None
        return ScenarioSpec(
            id=data["id"], title=data["title"], setting=setting, persona=dict(persona), skills=tuple(skills),
            rubric=data["rubric"], criteria=tuple(criteria), minimums=minimums, pass_mark=data["pass_mark"],
            turns=tuple(turns), source=file, line=line("id"), minutes=data["minutes"],
            competencies=tuple(competencies), brief=data["brief"], actor_notes=data["actor_notes"],
            rater_notes=data["rater_notes"], branches=tuple(branches), focal=tuple(focal),
            references=tuple(references), references_source=references_source,
            lines={key: line(key) for key in SCENARIO_FIELDS}
            | {"pronouns": line_of(data["persona"], "pronouns", line("persona"))},
        )

    def _criteria(self, data: dict, rubrics: dict[str, RubricSpec], file: str, line, label: str) -> list[str]:
        """The criteria the scenario is scored on, each one of its rubric's."""
        criteria = self.text_list(data["criteria"], file, label, "criteria", line("criteria"))
        if not criteria:
            self.error(file, line("criteria"), f"{label}: list the rubric criteria it is scored on")
        self.check_unique([(c, line_of(data["criteria"], i, None)) for i, c in enumerate(criteria)],
                          file, "criterion", label)
        rubric = rubrics.get(data["rubric"])
        if rubric is None:
            known = ", ".join(sorted(rubrics)) or "none"
            self.error(file, line("rubric"), f'{label}: unknown rubric "{data["rubric"]}" (rubrics/ has: {known})')
            return criteria
        rubric_criteria = {c.id for c in rubric.criteria}
        for index, criterion in enumerate(criteria):
            if criterion not in rubric_criteria:
                self.error(file, line_of(data["criteria"], index, line("criteria")),
                           f'{label}: criterion "{criterion}" is not in rubric {rubric.id}')
        return criteria

    def _minimums(self, data: dict, criteria: list[str], file: str, line, label: str) -> dict[str, int]:
        """Per-criterion minimum levels, and a pass mark between the lowest and highest totals."""
        minimums = {}
        for key, value in data["minimums"].items():
            key_line = line_of(data["minimums"], key, line("minimums"))
            if key not in criteria:
                self.error(file, key_line, f'{label}: a minimum for "{key}", which is not one of its criteria')
            elif not type_ok("int", value) or not 1 <= value <= 4:
                self.error(file, key_line, f'{label}: the minimum for "{key}" should be a level from 1 to 4')
            else:
                minimums[key] = value
        highest = 4 * len(criteria)
        if criteria and not len(criteria) <= data["pass_mark"] <= highest:
            self.error(file, line("pass_mark"),
                       f"{label}: pass_mark {data['pass_mark']} should be between {len(criteria)} and {highest} "
                       f"(the lowest and highest totals of {len(criteria)} criteria)")
        return minimums

    def _branches_and_turns(self, data: dict, file: str, line, label: str) -> tuple[list, list]:
        branches = []
        for index, item in enumerate(data["branches"]):
            branch = self.fields(item, BRANCH_FIELDS, file, f"{label}, branch {index + 1}",
                                 line_of(data["branches"], index, line("branches")))
            if branch is not None:
                branches.append(Branch(branch["when"], branch["then"]))
        turns = []
        for index, item in enumerate(data["turns"]):
            turn_line = line_of(data["turns"], index, None)
            turn = self.fields(item, TURN_FIELDS, file, f"{label}, turn {index + 1}", turn_line)
            if turn is not None:
                turns.append(Turn(turn["persona"], turn["hint"]))
        if len(data["turns"]) < MIN_TURNS:
            self.error(file, line("turns"),
                       f"{label} has {len(data['turns'])} turns; a role-play needs at least {MIN_TURNS}")
        return branches, turns

    # -- reference transcripts --
    def references(self, scenario_path: Path, scenario_id: str) -> tuple[list[ReferenceSpec], str]:
        path = scenario_path.with_name(f"{scenario_id}.references.yaml")
        if not path.is_file():
            return [], ""
        file = self.rel(path)
        raw = self.read_yaml(path)
        data = self.fields(raw, REFERENCES_FIELDS, file, "", 1) if raw is not None else None
        if data is None:
            return [], file
        if data["scenario"] != scenario_id:
            self.error(file, line_of(raw, "scenario", 1),
                       f'scenario "{data["scenario"]}" does not match the scenario file {scenario_id}.yaml')
        result = []
        for index, item in enumerate(data["references"]):
            reference = self.reference(item, file, line_of(data["references"], index, None), index)
            if reference is not None:
                result.append(reference)
        self.check_unique([(r.id, r.line) for r in result], file, "reference id")
        return result, file

    def reference(self, item: Any, file: str, line: int | None, index: int) -> ReferenceSpec | None:
        given = item.get("id") if isinstance(item, dict) else None
        label = f"reference {given if isinstance(given, str) else index + 1}"
        data = self.fields(item, REFERENCE_FIELDS, file, label, line)
        if data is None:
            return None
        replies = self.text_list(data["replies"], file, label, "replies", line_of(item, "replies", line))
        scores, gates, ok = {}, {}, len(replies) == len(data["replies"])
        for key, value in data["scores"].items():
            if not type_ok("int", value) or not 1 <= value <= 4:
                self.error(file, line_of(data["scores"], key, line),
                           f'{label}: the score for "{key}" should be a level from 1 to 4')
                ok = False
            else:
                scores[key] = value
        for key, value in data["gates"].items():
            outcome = self.enum(GateOutcome, value, file, line_of(data["gates"], key, line), "gate outcome", label)
            if outcome is None:
                ok = False
            else:
                gates[key] = outcome
        rationale = {str(k): v.strip() for k, v in data["rationale"].items() if isinstance(v, str) and v.strip()}
        if len(rationale) != len(data["rationale"]):
            self.error(file, line_of(item, "rationale", line), f"{label}: every rationale should be text")
            ok = False
        decision = self.enum(Decision, data["decision"], file, line_of(item, "decision", line), "decision", label)
        if decision is None or not ok:
            return None
        return ReferenceSpec(data["id"], data["label"], tuple(replies), scores, gates, rationale, decision,
                             line=line_of(item, "id", line))
