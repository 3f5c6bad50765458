"""Reading a module's lessons: the Markdown files its module.yaml lists, with their front matter."""

from __future__ import annotations

from pathlib import Path

from lms.content.fields import FRONT_MATTER_FIELDS
from lms.content.reader import Reader
from lms.content.schema import CourseKind, LessonSpec
from lms.content.yaml_lines import line_of

MIN_CORE_LESSON_WORDS = 600


class LessonReader(Reader):
    def lessons(self, data: dict, folder: Path, file: str, line, kind, links: list, assets: dict) -> list:
        """The lessons module.yaml lists, in order; a lesson file it does not list is a warning."""
        lesson_names = self.text_list(data["lessons"], file, "", "lessons", line("lessons"))
        if not lesson_names:
            self.error(file, line("lessons"), "a module needs at least one lesson")
        self.check_unique([(n, line_of(data["lessons"], i, None)) for i, n in enumerate(lesson_names)], file, "lesson")
        lessons = []
        for index, lesson_name in enumerate(dict.fromkeys(lesson_names)):
            lesson_path = folder / "lessons" / f"{lesson_name}.md"
            if not lesson_path.is_file():
                self.error(file, line_of(data["lessons"], index, line("lessons")),
                           f"missing lesson file lessons/{lesson_name}.md")
                continue
            lesson = self.lesson(lesson_path, folder, kind, links, assets)
            if lesson is not None:
                lessons.append(lesson)
        lessons_dir = folder / "lessons"
        if lessons_dir.is_dir():
            for extra in sorted(lessons_dir.glob("*.md")):
                if extra.stem not in lesson_names:
                    self.warn(self.rel(extra), None,
                              "this lesson is not listed in module.yaml, so trainees will not see it")
        return lessons

    def lesson(self, path: Path, module_folder: Path, kind: CourseKind | None, links: list,
               assets: dict) -> LessonSpec | None:
        file = self.rel(path)
        document = self.markdown_document(path, FRONT_MATTER_FIELDS)
        if document is None:
            return None
        front, meta, body, body_line, report = document
        for tag, html_line in report.raw_html:
            self.warn(file, html_line, f'raw HTML is not rendered: "{tag}" will show as text; use Markdown instead')
        for heading_line in report.top_headings:
            self.error(file, heading_line, "use ## for headings: the lesson title is the page's only # heading")
        for target, link_line in report.module_links:
            links.append((file, link_line, target))
        images = []
        for src, image_line in report.images:
            asset = self.image(src, module_folder, file, image_line)
            if asset is not None:
                assets[asset.path] = asset
                images.append((src, asset.path))
        if meta is None:
            return None
        if meta["minutes"] <= 0:
            self.error(file, line_of(front, "minutes", 2), '"minutes" should be more than 0')
        if kind is CourseKind.CERTIFICATION and report.word_count < MIN_CORE_LESSON_WORDS:
            self.warn(file, None, f"this lesson has {report.word_count} words; core lessons should have at least "
                                  f"{MIN_CORE_LESSON_WORDS}")
        return LessonSpec(
            slug=path.stem,
            title=meta["title"],
            minutes=meta["minutes"],
            markdown=body,
            word_count=report.word_count,
            source=file,
            body_line=body_line,
            images=tuple(images),
            minutes_line=line_of(front, "minutes", 2),
        )
