"""Collaboration and lasting change: pilot workshops, routines, support resources' engagements
and outcomes, competence-supply plans and lessons learned (DESIGN.md)."""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from grannar.people.models import Person, Workplace
from grannar.programmes.models import Municipality, Programme, Sector, StaffCategory, SubGoal
from grannar.training.models import Course, Session


class PilotWorkshop(models.Model):
    """A municipality's local pilot workshop (pilotverkstad) in a programme."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="pilot_workshops"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    focus = models.TextField(
        _("focus"), max_length=2000, help_text=_("The area the municipality chose to develop.")
    )
    subgoals = models.ManyToManyField(SubGoal, verbose_name=_("sub-goals"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality"], name="pilot_workshop_one_per_municipality"
            )
        ]
        verbose_name = _("pilot workshop")
        verbose_name_plural = _("pilot workshops")

    def __str__(self) -> str:
        return str(self.municipality)


class GroupMember(models.Model):
    """A member of a workshop's local project group, for one sector."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        MEMBER = "member", _("member")

    workshop = models.ForeignKey(PilotWorkshop, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    sector = models.ForeignKey(Sector, verbose_name=_("sector"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=6, choices=Role.choices, default=Role.MEMBER)

    objects = ScopedManager(municipality="workshop__municipality")

    class Meta:
        ordering = ["role", "person__last_name", "person__first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "person"], name="group_member_once")
        ]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")

    def __str__(self) -> str:
        return str(self.person)


class Meeting(models.Model):
    """A meeting of a workshop's project group: who came, short notes, decisions."""

    workshop = models.ForeignKey(PilotWorkshop, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    attendees = models.ManyToManyField(GroupMember, verbose_name=_("present"), blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    decisions = models.TextField(_("decisions"), max_length=5000, blank=True)

    objects = ScopedManager(municipality="workshop__municipality")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.workshop} {self.date:%Y-%m-%d}"


class Routine(models.Model):
    """A routine for working together across sectors, developed in a workshop.

    Life cycle: draft → testing → adopted → followed_up; retired from any state. Each step is a
    service in `services.py`; the dates below record when each step was taken."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        TESTING = "testing", _("testing")
        ADOPTED = "adopted", _("adopted")
        FOLLOWED_UP = "followed_up", _("followed up")
        RETIRED = "retired", _("retired")

    class InUse(models.TextChoices):
        YES = "yes", _("yes")
        PARTLY = "partly", _("partly")
        NO = "no", _("no")

    workshop = models.ForeignKey(PilotWorkshop, on_delete=models.CASCADE, related_name="routines")
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem it solves"), max_length=5000)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors it binds"))
    owner = models.ForeignKey(
        GroupMember,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_routines",
    )
    status = models.CharField(
        _("status"), max_length=11, choices=Status.choices, default=Status.DRAFT
    )
    testing_from = models.DateField(_("tested from"), null=True, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=200, blank=True)
    decision_reference = models.CharField(
        _("decision reference"),
        max_length=200,
        blank=True,
        help_text=_("For example the minutes of a management-group meeting."),
    )
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    in_use = models.CharField(_("still in use"), max_length=6, choices=InUse.choices, blank=True)
    follow_up_note = models.TextField(_("follow-up note"), max_length=5000, blank=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    reminded = models.DateField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="workshop__municipality")

    class Meta:
        ordering = ["workshop", "title", "id"]
        indexes = [models.Index(fields=["status", "follow_up_due"])]
        verbose_name = _("routine")
        verbose_name_plural = _("routines")

    def __str__(self) -> str:
        return self.title

    def follow_up_overdue(self, today: dt.date) -> bool:
        """Adopted, past its due date and not followed up."""
        return (
            self.status == self.Status.ADOPTED
            and self.follow_up_due is not None
            and self.follow_up_due < today
        )


class Engagement(models.Model):
    """A support resource's part in a session or a workshop meeting, in a role, for some hours."""

    class Role(models.TextChoices):
        CO_TRAINER = "co_trainer", _("co-trainer")
        PANEL = "panel", _("panel")
        EXPERIENCE_EXPERT = "experience_expert", _("experience expert")
        OTHER = "other", _("other")

    person = models.ForeignKey(
        Person,
        verbose_name=_("support resource"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    role = models.CharField(_("role"), max_length=17, choices=Role.choices)
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(municipality="person__municipality")

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(meeting__isnull=True))
                | (Q(session__isnull=True) & Q(meeting__isnull=False)),
                name="engagement_session_or_meeting",
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="engagement_hours_positive"),
        ]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")

    def __str__(self) -> str:
        return f"{self.person} {self.get_role_display()}"


class Outcome(models.Model):
    """Where a support resource stands at the programme's end and at follow-up."""

    class Moment(models.TextChoices):
        PROGRAMME_END = "programme_end", _("at programme end")
        FOLLOW_UP = "follow_up", _("at follow-up")

    class Result(models.TextChoices):
        WORK = "work", _("work")
        STUDIES = "studies", _("studies")
        INTERNSHIP = "internship", _("internship")
        JOB_SEEKING = "job_seeking", _("job seeking")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    person = models.ForeignKey(
        Person, verbose_name=_("support resource"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    moment = models.CharField(_("moment"), max_length=13, choices=Moment.choices)
    result = models.CharField(_("outcome"), max_length=11, choices=Result.choices)
    recorded_on = models.DateField(_("recorded on"))

    objects = ScopedManager(municipality="person__municipality")

    class Meta:
        ordering = ["programme", "person", "moment"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "moment"], name="outcome_once_per_moment"
            )
        ]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return f"{self.person} {self.get_moment_display()}: {self.get_result_display()}"


class CompetencePlan(models.Model):
    """A workplace's competence-supply plan (kompetensförsörjningsplan) in a programme."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ADOPTED = "adopted", _("adopted")
        FOLLOWED_UP = "followed_up", _("followed up")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="competence_plans"
    )
    workplace = models.ForeignKey(
        Workplace, verbose_name=_("workplace"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    actions = models.TextField(_("actions"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=11, choices=Status.choices, default=Status.DRAFT
    )
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up note"), max_length=5000, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="workplace__municipality")

    class Meta:
        ordering = ["workplace__name", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="competence_plan_period",
            )
        ]
        verbose_name = _("competence-supply plan")
        verbose_name_plural = _("competence-supply plans")

    def __str__(self) -> str:
        return f"{self.workplace} {self.period_start:%Y}–{self.period_end:%Y}"


class PlanNeed(models.Model):
    """A plan's need for one staff category: how many, and what meets it."""

    plan = models.ForeignKey(CompetencePlan, on_delete=models.CASCADE, related_name="needs")
    staff_category = models.ForeignKey(
        StaffCategory, verbose_name=_("staff category"), on_delete=models.PROTECT
    )
    head_count = models.PositiveIntegerField(_("head count"))
    competences = models.TextField(_("competences needed"), max_length=2000, blank=True)
    courses = models.ManyToManyField(
        Course, verbose_name=_("courses that meet the need"), blank=True, related_name="+"
    )

    objects = ScopedManager(municipality="plan__workplace__municipality")

    class Meta:
        ordering = ["plan", "staff_category__name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff_category"], name="plan_need_once")
        ]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"{self.staff_category}: {self.head_count}"


class Lesson(models.Model):
    """A lesson learned (what can we learn?), on the programme, optionally tied to a workshop,
    a routine or a course."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    context = models.TextField(_("context"), max_length=3000)
    what_we_did = models.TextField(_("what we did"), max_length=3000)
    what_happened = models.TextField(_("what happened"), max_length=3000)
    recommendation = models.TextField(_("recommendation"), max_length=3000)
    workshop = models.ForeignKey(
        PilotWorkshop,
        verbose_name=_("pilot workshop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    routine = models.ForeignKey(
        Routine,
        verbose_name=_("routine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-created", "-id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title


class ReferenceLetter(models.Model):
    """A letter listing a support resource's engagements and hours, to show an employer;
    verifiable by its code like a certificate. What it states is kept as issued."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("support resource"),
        on_delete=models.PROTECT,
        related_name="reference_letters",
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("verification code"), max_length=12, unique=True)
    engagements = models.PositiveIntegerField(_("engagements"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    issued = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(municipality="person__municipality")

    class Meta:
        ordering = ["-issued", "-id"]
        verbose_name = _("reference letter")
        verbose_name_plural = _("reference letters")

    def __str__(self) -> str:
        return self.code
