"""Factories for surveys; structures are built through the services where it matters."""

from datetime import timedelta

import factory
from django.utils import timezone

from surveys.builder import services
from surveys.models import Option, Page, Question, Statement, Survey


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    programme = None  # required: pass programme=world.programme
    title = factory.Sequence(lambda n: {"nb": f"Undersøkelse {n}", "en": f"Survey {n}"})
    intro = factory.LazyFunction(lambda: {"nb": "Velkommen."})
    languages = factory.LazyFunction(lambda: ["nb"])


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(int)
    title = factory.Sequence(lambda n: {"nb": f"Side {n}"})


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    page = factory.SubFactory(PageFactory)
    survey = factory.SelfAttribute("page.survey")
    position = factory.Sequence(int)
    code = factory.Sequence(lambda n: f"q{n}")
    kind = Question.Kind.LIKERT
    text = factory.Sequence(lambda n: {"nb": f"Spørsmål {n}"})


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
    value = factory.Sequence(str)
    label = factory.Sequence(lambda n: {"nb": f"Valg {n}"})


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
    code = factory.Sequence(lambda n: f"s{n}")
    text = factory.Sequence(lambda n: {"nb": f"Påstand {n}"})


def build_survey(world, *, county=None, user=None, anonymity="anonymous", **kwargs) -> Survey:
    """A draft with one page of each kind of question, built through the services.

    Page 1: likert (l1), single choice (role1, values 1/2), multiple choice with other (mc1),
    number 0–60 (n1, required); page 2: matrix (m1), competence pair (cp1) with two
    statements each, short text (t1); page 3 (shown only when role1 == "1"): long text (t2).
    Its texts are in Bokmål, which is all it offers unless `languages` says otherwise.
    """
    user = user or (world.coordinator_a if county else world.project_leader)
    kwargs.setdefault("languages", ["nb"])
    survey = services.survey_create(
        created_by=user,
        programme=world.programme,
        county=county,
        title={"nb": "Kompetansebehov", "en": "Competence needs"},
        intro={"nb": "Om kompetansebehov."},
        anonymity=anonymity,
        **kwargs,
    )
    p1 = services.page_create(survey=survey, user=user, title={"nb": "Om deg"})
    services.question_create(
        page=p1,
        user=user,
        kind="likert",
        code="l1",
        text={"nb": "Hvor fornøyd er du?", "en": "How satisfied are you?"},
        scale_labels={"nb": ["Svært lite", "Lite", "Middels", "Godt", "Svært godt"]},
        allow_dont_know=True,
    )
    role = services.question_create(
        page=p1,
        user=user,
        kind="single_choice",
        code="role1",
        text={"nb": "Arbeider du i skranke?"},
    )
    services.options_set(question=role, user=user, labels=[{"nb": "Ja"}, {"nb": "Nei"}])
    mc = services.question_create(
        page=p1,
        user=user,
        kind="multiple_choice",
        code="mc1",
        text={"nb": "Hvilke kurs har du tatt?"},
        allow_other=True,
    )
    services.options_set(question=mc, user=user, labels=[{"nb": "Kurs A"}, {"nb": "Kurs B"}])
    services.question_create(
        page=p1,
        user=user,
        kind="number",
        code="n1",
        text={"nb": "Hvor mange timer?"},
        number_min=0,
        number_max=60,
        required=True,
    )
    p2 = services.page_create(survey=survey, user=user, title={"nb": "Kompetanse"})
    matrix = services.question_create(
        page=p2, user=user, kind="matrix", code="m1", text={"nb": "Vurder"}
    )
    services.statements_set(
        question=matrix, user=user, texts=[{"nb": "Påstand én"}, {"nb": "Påstand to"}]
    )
    pair = services.question_create(
        page=p2,
        user=user,
        kind="competence_pair",
        code="cp1",
        text={"nb": "Samarbeid"},
        competence_area=world.areas[0],
        required=True,
    )
    services.statements_set(
        question=pair,
        user=user,
        texts=[{"nb": "Samarbeid med skoler"}, {"nb": "Samarbeid med kommunen"}],
    )
    services.question_create(
        page=p2, user=user, kind="short_text", code="t1", text={"nb": "Stilling"}
    )
    p3 = services.page_create(
        survey=survey,
        user=user,
        title={"nb": "For skrankepersonale"},
        condition_question=role,
        condition_value="1",
    )
    services.question_create(
        page=p3, user=user, kind="long_text", code="t2", text={"nb": "Fortell om skranken"}
    )
    return survey


def open_survey(survey: Survey, *, user=None, days: int = 14) -> Survey:
    return services.survey_open(
        survey=survey, user=user, closes_at=timezone.now() + timedelta(days=days)
    )


def translate(survey: Survey, language: str) -> Survey:
    """Give every text of the survey a version in `language` ("[en] …" where none was written)
    and offer the language, so that the survey can open with it."""

    def filled(texts):
        texts = dict(texts or {})
        if texts and not texts.get(language):
            texts[language] = f"[{language}] {texts.get('nb') or next(iter(texts.values()))}"
        return texts

    survey.title, survey.intro = filled(survey.title), filled(survey.intro)
    survey.languages = sorted({*survey.languages, language}, key=["nb", "nn", "en"].index)
    survey.save()
    for page in survey.pages.all():
        page.title, page.intro = filled(page.title), filled(page.intro)
        page.save()
    for question in survey.questions.prefetch_related("options", "statements"):
        question.text, question.help_text = filled(question.text), filled(question.help_text)
        labels = question.scale_labels or {}
        if labels and not labels.get(language):
            labels[language] = [f"[{language}] {label}" for label in next(iter(labels.values()))]
        question.save()
        for row in [*question.options.all(), *question.statements.all()]:
            if hasattr(row, "label"):
                row.label = filled(row.label)
            else:
                row.text = filled(row.text)
            row.save()
    return survey
