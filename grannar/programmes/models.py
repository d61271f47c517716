from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

municipality_code_validator = RegexValidator(
    r"^\d{4}$", _("A municipality code has four digits, for example 1480.")
)


def normalise_organisation_number(value: str) -> str:
    """A Swedish organisation number as NNNNNN-NNNN (ten digits, a hyphen or not, trimmed)."""
    digits = (value or "").strip().replace("-", "")
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else (value or "").strip()


def organisation_number_validator(value: str) -> None:
    """Ten digits (NNNNNN-NNNN) whose last is the Luhn check digit of the first nine, as the
    Swedish Companies Registration Office assigns them."""
    digits = (value or "").strip().replace("-", "", 1)
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise ValidationError(
            _("An organisation number has ten digits: NNNNNN-NNNN, for example 212000-1355."),
            code="organisation_number_format",
        )
    total = 0
    for position, digit in enumerate(digits[:9]):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    if (10 - total % 10) % 10 != int(digits[9]):
        raise ValidationError(
            _("%(value)s is not a valid organisation number: check the last digit.")
            % {"value": value.strip()},
            code="organisation_number_check_digit",
        )


class Sector(models.Model):
    """A part of the municipal organisation whose collaboration the programmes build."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class StaffCategory(models.Model):
    """A kind of staff (personalkategori); the hourly rate of co-financing is per programme."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="categories"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("staff category")
        verbose_name_plural = _("staff categories")

    def __str__(self) -> str:
        return self.name


class Format(models.Model):
    """A training format: workshop, lecture, local pilot workshop."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("format")
        verbose_name_plural = _("formats")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A Swedish municipality, identified by its official four-digit code (kommunkod)."""

    code = models.CharField(
        _("municipality code"), max_length=4, unique=True, validators=[municipality_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[organisation_number_validator],
        help_text=_("The employer of the municipality's own staff, for the funder's reports."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FundingStatement:
    """What funded materials carry: the statement and whether the EU emblem goes with it."""

    text: str
    eu_emblem: bool


class Programme(models.Model):
    """A funded programme (projekt): owner, funder, period, grant, target and sub-goals."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    owner = models.CharField(_("project owner"), max_length=200)
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    programme_area = models.CharField(_("programme area"), max_length=40, blank=True)
    grant_sek = models.PositiveBigIntegerField(_("grant (SEK)"), null=True, blank=True)
    total_budget_sek = models.PositiveBigIntegerField(
        _("total budget (SEK)"), null=True, blank=True
    )
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    target_participants = models.PositiveIntegerField(_("target participants"))
    reported_participants = models.PositiveIntegerField(
        _("reported participants"), null=True, blank=True
    )
    planned_gender_split = models.JSONField(_("planned gender split"), default=dict, blank=True)
    gender_target = models.JSONField(
        _("target share of participants per gender"), default=dict, blank=True
    )
    default_hourly_rate_sek = models.DecimalField(
        _("default hourly rate (SEK)"), max_digits=10, decimal_places=2, default=0
    )
    support_resource_name = models.CharField(
        _("name of support resources"), max_length=100, blank=True
    )
    support_resource_description = models.TextField(
        _("description of support resources"), blank=True
    )
    funding_emblem = models.CharField(
        _("funding emblem"),
        max_length=10,
        choices=[("eu", _("EU emblem")), ("none", _("No emblem"))],
        default="none",
    )
    funding_period = models.CharField(
        _("funding period"),
        max_length=10,
        choices=[("2014-2020", "2014–2020"), ("2021-2027", "2021–2027")],
        blank=True,
    )
    funding_text = models.CharField(_("funding statement"), max_length=300, blank=True)
    follow_up_months = models.PositiveSmallIntegerField(
        _("months from a routine's adoption to its follow-up"), default=6
    )
    target_pilot_workshops = models.PositiveIntegerField(
        _("target: pilot workshops"), null=True, blank=True
    )
    target_routines_adopted = models.PositiveIntegerField(
        _("target: routines adopted"), null=True, blank=True
    )
    target_plan_coverage = models.DecimalField(
        _("target: plan coverage"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    # The `[[retention]]` rules as loaded: read them through `grannar.programmes.retention`.
    retention = models.JSONField(_("retention rules"), default=list, blank=True)
    municipalities = models.ManyToManyField(
        Municipality, through="Membership", related_name="programmes"
    )
    formats = models.ManyToManyField(Format, blank=True, related_name="programmes")

    class Meta:
        ordering = ["-starts", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")), name="programme_ends_after_start"
            )
        ]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    @property
    def funding_statement(self) -> FundingStatement | None:
        """The funding statement certificates, reports and public pages carry, if any."""
        if not self.funding_text:
            return None
        return FundingStatement(text=self.funding_text, eu_emblem=self.funding_emblem == "eu")


class SubGoal(models.Model):
    """A numbered sub-goal (delmål) of a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="subgoals")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="subgoal_unique_number")
        ]
        verbose_name = _("sub-goal")
        verbose_name_plural = _("sub-goals")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class ProgrammeCategory(models.Model):
    """A staff category taking part in a programme, with its co-financing rate there."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="programme_categories"
    )
    category = models.ForeignKey(StaffCategory, on_delete=models.PROTECT, related_name="+")
    hourly_rate_sek = models.DecimalField(
        _("hourly rate (SEK)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    target = models.PositiveIntegerField(_("target participants"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "category"], name="programme_category_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.category.code}"


class Membership(models.Model):
    """A municipality's participation (medverkan) in a programme, with when it joined and left."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="memberships"
    )
    participates = models.BooleanField(_("participates"), default=True)
    joined = models.DateField(_("joined"), null=True, blank=True)
    left = models.DateField(_("left"), null=True, blank=True)
    left_early = models.BooleanField(_("left early"), default=False)
    target = models.PositiveIntegerField(_("target participants"), null=True, blank=True)

    class Meta:
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality"], name="membership_unique_municipality"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.municipality} i {self.programme}"

    @property
    def status(self) -> str:
        if not self.participates:
            return "outside"
        if self.left_early:
            return "left_early"
        return "member"
