from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_scopes import ScopedManager

from grannar.programmes.models import (
    Municipality,
    Programme,
    Sector,
    StaffCategory,
    organisation_number_validator,
)


def normalize_email(value: str) -> str:
    """E-mail is a person's identity: compared trimmed and case-insensitively."""
    return (value or "").strip().lower()


def login_username(request, credentials) -> str:
    """The account name django-axes counts failures for: the normalised e-mail address."""
    if credentials:
        # authenticate() passes the account's USERNAME_FIELD ("email"); the form posts "username".
        return normalize_email(credentials.get("email") or credentials.get("username", ""))
    return normalize_email(getattr(request, "POST", {}).get("username", ""))


class Gender(models.TextChoices):
    WOMAN = "kvinna", _("woman")
    MAN = "man", _("man")
    OTHER = "annat", _("other")
    UNKNOWN = "okand", _("not given")


class Workplace(models.Model):
    """A unit (arbetsplats/enhet) in a municipality, belonging to one sector."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT
    )
    sector = models.ForeignKey(Sector, verbose_name=_("sector"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=200)
    # A workplace run by another employer (a private HVB operator) has its own number, which
    # wins over its municipality's in the funder's reports.
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[organisation_number_validator],
        help_text=_("Only when the employer is not the municipality, e.g. a private HVB home."),
    )

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="workplace_unique_name")
        ]
        verbose_name = _("workplace")
        verbose_name_plural = _("workplaces")

    def __str__(self) -> str:
        return self.name

    @property
    def employer_organisation_number(self) -> str:
        """The employer's organisation number: the workplace's own, else its municipality's."""
        return self.organisation_number or self.municipality.organisation_number


class Person(models.Model):
    """A member of staff (or a support resource) who takes part in training."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    gender = models.CharField(
        _("gender"), max_length=6, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT
    )
    workplace = models.ForeignKey(
        Workplace,
        verbose_name=_("workplace"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    # A workplace named on an attendance list that is not in the register and cannot be
    # created there (a support resource has no staff category, so no sector): kept as text.
    workplace_name = models.CharField(_("workplace (as named)"), max_length=200, blank=True)
    staff_category = models.ForeignKey(
        StaffCategory,
        verbose_name=_("staff category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    support_resource = models.BooleanField(_("support resource"), default=False)
    # Fernet token of the 12-digit personnummer; only the ESF/SCB export decrypts it.
    personnummer_encrypted = models.TextField(blank=True, editable=False)
    # Set when the person was erased: identity gone, counted facts kept under a pseudonym.
    erased = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_unique_email"),
            models.CheckConstraint(
                condition=models.Q(support_resource=True) | models.Q(staff_category__isnull=False),
                name="person_category_unless_support_resource",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "last_name"])]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_personnummer(self) -> bool:
        return bool(self.personnummer_encrypted)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account that signs in; it may be linked to the Person it belongs to."""

    email = models.EmailField(_("e-mail address"), unique=True)
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @cached_property
    def role_assignments(self) -> list["RoleAssignment"]:
        # Every request reads these (scope, second factor, menus); only the start page shows
        # the municipalities' names (`role_labels`).
        return list(self.roles.all())

    def role_labels(self) -> list[str]:
        """The roles held, as the start page shows them: with the coordinator's municipality."""
        return [str(a) for a in self.roles.select_related("municipality")]

    def has_role(self, *roles: str) -> bool:
        return any(assignment.role in roles for assignment in self.role_assignments)

    @property
    def role_names(self) -> list[str]:
        return sorted({assignment.role for assignment in self.role_assignments})

    @property
    def coordinated_municipality_ids(self) -> list[int]:
        return sorted(
            {a.municipality_id for a in self.role_assignments if a.role == Role.COORDINATOR}
        )

    @property
    def requires_two_factor(self) -> bool:
        """Every role that sees other people's data signs in with a second factor."""
        return self.is_superuser or self.has_role(*TWO_FACTOR_ROLES)

    def municipality_scope(self) -> list[int] | None:
        """Municipalities this user's requests may reach: None means all (admin, auditor)."""
        if self.is_superuser or self.has_role(Role.ADMIN, Role.AUDITOR, Role.EVALUATOR):
            return None
        ids = set(self.coordinated_municipality_ids)
        if self.person_id:
            # The related descriptor uses the unscoped base manager and caches the person
            # for the rest of the request.
            ids.add(self.person.municipality_id)
        return sorted(ids)


class Role(models.TextChoices):
    ADMIN = "admin", _("programme admin")
    COORDINATOR = "coordinator", _("municipal coordinator")
    TRAINER = "trainer", _("trainer")
    PARTICIPANT = "participant", _("participant")
    EVALUATOR = "evaluator", _("evaluator")
    AUDITOR = "auditor", _("auditor")


TWO_FACTOR_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.EVALUATOR, Role.AUDITOR)


class RoleAssignment(models.Model):
    """One role a user holds in a programme; a coordinator's is tied to one municipality."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "programme", "municipality"],
                name="role_assignment_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="coordinator") | models.Q(municipality__isnull=False),
                name="role_coordinator_has_municipality",
            ),
        ]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        where = f" ({self.municipality})" if self.municipality_id else ""
        return f"{self.get_role_display()}{where}"


class ErasureRequest(models.Model):
    """A request to erase a person (art. 17): made by an admin or by the coordinator of the
    person's municipality, carried out or refused by a programme admin."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ERASED = "erased", _("erased")
        REFUSED = "refused", _("refused")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.TextField(_("reason"), max_length=2000)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested = models.DateTimeField(_("requested"), auto_now_add=True)
    legal_ground = models.TextField(_("legal ground"), max_length=2000, blank=True)
    refusal = models.TextField(_("why it was refused"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-requested", "-id"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.requested:%Y-%m-%d}"


class ProviderDevice(Device):
    """The second factor a sign-in service vouched for (OpenID Connect `amr`/`acr`).

    It verifies no codes: a session is marked with it only right after such a sign-in.
    """

    class Meta:
        verbose_name = _("second factor at the sign-in service")
        verbose_name_plural = _("second factors at the sign-in service")
