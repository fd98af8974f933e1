"""Branching: which pages and questions a respondent is shown, given their answers so far.

A page or question with a condition is shown only when the answer to the question it names (on an
earlier page) matches the condition's value. The answer flow (`answering.services`) decides with
these which page follows and which answers are dropped on submission.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from ..models import Answer, Page, Question


def answers_by_question(answers) -> dict[int, list[Answer]]:
    grouped: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        grouped[answer.question_id].append(answer)
    return grouped


def _matches(answers: list[Answer], value: str) -> bool:
    for answer in answers:
        if answer.choice == value or (answer.text and answer.text.strip() == value):
            return True
        if answer.number is not None:
            try:
                if answer.number == Decimal(value):
                    return True
            except InvalidOperation:
                pass
    return False


def condition_holds(item, answers: dict[int, list[Answer]]) -> bool:
    """A page or question without a condition is shown; otherwise only when the answer matches."""
    if not item.condition_question_id:
        return True
    return _matches(answers.get(item.condition_question_id, []), item.condition_value)


def visible_pages(pages: list[Page], answers: dict[int, list[Answer]]) -> list[Page]:
    return [page for page in pages if condition_holds(page, answers)]


def possible_page_count(pages: list[Page], answers: dict[int, list[Answer]]) -> int:
    """Pages shown now plus those whose condition is not answered yet (for the progress bar)."""
    return sum(
        1
        for page in pages
        if condition_holds(page, answers) or not answers.get(page.condition_question_id)
    )


def visible_questions(page: Page, answers: dict[int, list[Answer]]) -> list[Question]:
    return [q for q in page.ordered_questions if condition_holds(q, answers)]
