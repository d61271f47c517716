"""Surveys, their questions, invitations and answers.

Privacy is in the shape of the tables: an anonymous response has no person, no pseudonym and no
link to the invitation that let it in (the invitation only records that it was used, with no
time); a pseudonymous response carries a keyed hash that links before, after and follow-up of the
same person without saying who; only a named response points at the person.
"""

import hashlib
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from grannar.people.models import Person, Workplace
from grannar.programmes.models import Municipality, Programme, Sector, StaffCategory, SubGoal


def localized(swedish: str, english: str) -> str:
    """The English wording for who chose English, where there is one; otherwise Swedish."""
    return english if english and get_language() == "en" else swedish


class Survey(models.Model):
    """An enkät: for a programme, optionally about one course or session."""

    class Mode(models.TextChoices):
        ANONYMOUS = "anonymous", _("anonymous")
        PSEUDONYMOUS = "pseudonymous", _("pseudonymous")
        NAMED = "named", _("named")

    class Phase(models.TextChoices):
        REACTION = "reaction", _("reaction after a session")
        BEFORE = "before", _("competence before")
        AFTER = "after", _("competence after")
        FOLLOWUP = "followup", _("use in practice, 4–6 months later")
        ORGANISATION = "organisation", _("organisational change (managers)")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="surveys")
    course = models.ForeignKey(
        "training.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title (Swedish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction (Swedish)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    phase = models.CharField(_("kind"), max_length=12, choices=Phase.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    # Surveys in one series (before, after, follow-up) are paired through the same questions.
    series = models.SlugField(_("series"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    closes = models.DateTimeField(_("closes"), null=True, blank=True)
    remind_days = models.PositiveSmallIntegerField(_("reminder, days before closing"), default=3)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "series", "id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    @property
    def localized_title(self) -> str:
        return localized(self.title, self.title_en)


# Short names of the moments a series links, for headings and the direction of a change.
MOMENT_NAMES = {
    Survey.Phase.BEFORE: _("before"),
    Survey.Phase.AFTER: _("after"),
    Survey.Phase.FOLLOWUP: _("follow-up"),
}


class Section(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("heading (Swedish)"), max_length=200)
    title_en = models.CharField(_("heading (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def localized_title(self) -> str:
        return localized(self.title, self.title_en)


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("scale 1–5")
        SINGLE = "single", _("one choice")
        MULTIPLE = "multiple", _("several choices")
        NUMBER = "number", _("number")
        TEXT = "text", _("free text")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    # Stable within a series: the before and after questions with one code form a pair.
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question (Swedish)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    # Choices: [{"value": "a", "sv": "…", "en": "…"}]; a scale's end labels: {"low": {...}, ...}.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    scale_labels = models.JSONField(_("scale labels"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    subgoal = models.ForeignKey(
        SubGoal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["section__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "code"], name="question_unique_code")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def localized_text(self) -> str:
        return localized(self.text, self.text_en)

    def localized_choices(self) -> list[tuple[str, str]]:
        return [(c["value"], localized(c["sv"], c.get("en", ""))) for c in self.choices]

    def scale_label(self, end: str) -> str:
        label = self.scale_labels.get(end) or {}
        return localized(label.get("sv", ""), label.get("en", ""))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """What is stored of a one-time link's token: only its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time link sent to one person. Only the token's hash is stored."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    sent = models.DateTimeField(null=True, blank=True)
    reminded = models.DateTimeField(null=True, blank=True)
    # Used or not, never when: a time would let anyone match it to an anonymous response.
    used = models.BooleanField(default=False)
    created = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Response(models.Model):
    """One filled-in survey. The respondent's municipality, category and sector are copied at
    answering time for breakdowns; which person it was is stored only for named surveys."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pseudonym = models.CharField(max_length=64, blank=True, db_index=True)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_category = models.ForeignKey(
        StaffCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    workplace = models.ForeignKey(
        Workplace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The day only, for the same reason as Invitation.used.
    submitted = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(pseudonym=""), name="response_one_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.number or self.choices or self.text}"
