import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from grannar.people.models import Person
from grannar.programmes.models import Format, Municipality, Programme, StaffCategory, SubGoal

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(length: int = 6) -> str:
    """A random code that is easy to read aloud and type (no 0/O, 1/I)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def new_certificate_code() -> str:
    return new_code(10)


class Course(models.Model):
    """A workshop or lecture (kurs/insats) in a programme's catalogue."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    # Null: the region's regular catalogue, where courses that worked move after a programme.
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    code = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    format = models.ForeignKey(
        Format, verbose_name=_("format"), null=True, blank=True, on_delete=models.PROTECT
    )
    subgoals = models.ManyToManyField(SubGoal, verbose_name=_("sub-goals"), blank=True)
    target_categories = models.ManyToManyField(
        StaffCategory, verbose_name=_("target staff categories"), blank=True
    )
    credited_hours = models.DecimalField(
        _("credited hours"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # After the handover the course lives on in the regular catalogue: its sessions that start
    # later stay bookable but count in no programme figure.
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    receiving_organiser = models.CharField(_("receiving organiser"), max_length=200, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="course_unique_code"),
            models.CheckConstraint(condition=Q(credited_hours__gt=0), name="course_hours_positive"),
        ]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One occasion of a course (tillfälle) with its seats.

    `seats_taken` counts confirmed and attended registrations; `reserved_free` counts the seats
    still held for municipalities. Seats are claimed only by conditional updates of these
    counters, and the CHECK constraints make overbooking impossible even for a bug.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    code = models.SlugField(_("session code"), max_length=60, unique=True)
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    host_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("host municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    credited_hours = models.DecimalField(
        _("credited hours"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    reserved_free = models.PositiveIntegerField(default=0, editable=False)
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    cancellation_deadline = models.DateTimeField(_("cancellation deadline"), null=True, blank=True)
    reservations_release_at = models.DateTimeField(
        _("reserved seats released"), null=True, blank=True
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainers"),
        blank=True,
        related_name="trained_sessions",
    )
    checkin_code = models.CharField(_("check-in code"), max_length=8, default=new_code)
    reminded = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )

    class Meta:
        ordering = ["starts", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity") - F("reserved_free")),
                name="session_no_overbooking",
            ),
            models.CheckConstraint(
                condition=Q(credited_hours__gt=0), name="session_hours_positive"
            ),
        ]
        indexes = [models.Index(fields=["starts"])]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.course.title} {self.starts:%Y-%m-%d}"

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken - self.reserved_free)


class SeatReservation(models.Model):
    """Seats of a session held for one municipality's staff until they are released."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reservations")
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT
    )
    seats = models.PositiveIntegerField(_("reserved seats"))
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    released = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "municipality"], name="reservation_unique_municipality"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("seats")), name="reservation_no_overbooking"
            ),
        ]
        verbose_name = _("seat reservation")
        verbose_name_plural = _("seat reservations")

    def __str__(self) -> str:
        return f"{self.session.code}: {self.municipality} ({self.seats})"


class Registration(models.Model):
    """A person's place on a session (anmälan), or in its waiting line."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("waiting list")
        # A cancelled registration is "avbokad"; a cancelled session "inställt".
        CANCELLED = "cancelled", pgettext_lazy("registration", "cancelled")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")

    HOLDS_SEAT = (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="registrations"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="registrations"
    )
    # The person's municipality when registering: the scope, and which reserved seats apply.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reservation = models.ForeignKey(
        SeatReservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("registered"), auto_now_add=True)
    # Arrival in the waiting line; the line is served in this order.
    queued = models.BigIntegerField(null=True, blank=True, editable=False)
    changed = models.DateTimeField(auto_now=True)

    objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="registration_unique"),
        ]
        indexes = [models.Index(fields=["session", "status", "queued"])]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.person} – {self.session}"


class Attendance(models.Model):
    """Hours actually attended on a registration, how they were recorded, by whom."""

    class Method(models.TextChoices):
        TRAINER = "trainer", _("trainer's list")
        CHECKIN = "checkin", _("self check-in")
        IMPORT = "import", _("import")

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="attendance"
    )
    # Null: the whole session (its credited hours count).
    hours = models.DecimalField(
        _("attended hours"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    method = models.CharField(_("recorded by"), max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="attendance_hours_positive"
            )
        ]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.registration}: {self.hours or 'all'}"


class MonthlyAttestation(models.Model):
    """A participant's attestation of the hours of one month (ESF närvarointyg)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attestations")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    statement = models.TextField(_("statement"))
    attested = models.DateTimeField(_("attested"), auto_now_add=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "month"], name="attestation_unique_month"
            )
        ]
        verbose_name = _("monthly attestation")
        verbose_name_plural = _("monthly attestations")

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m}"


class Certificate(models.Model):
    """A course certificate for an attended registration, verifiable by its code."""

    registration = models.OneToOneField(
        Registration, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=16, unique=True, default=new_certificate_code)
    issued = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code


class ImportJob(models.Model):
    """An import uploaded in the web interface: previewed, then run, both in the background."""

    class Kind(models.TextChoices):
        SESSIONS = "sessions", _("sessions")
        ATTENDANCE = "attendance", _("attendance list")

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("checking the file")
        PREVIEWED = "previewed", _("previewed")
        QUEUED = "queued", _("queued")
        CHECKING = "checking", _("checking rows")
        WRITING = "writing", _("writing")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("stopped by an error")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField()
    skip_invalid = models.BooleanField(_("import the valid rows, skip the rest"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    preview = models.JSONField(default=dict)
    report = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in (
            self.Status.PREVIEWING,
            self.Status.QUEUED,
            self.Status.CHECKING,
            self.Status.WRITING,
        )


class CalendarFeed(models.Model):
    """A person's secret calendar subscription; only the SHA-256 of its token is stored."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar-feed-{self.pk}"


class PersonRollup(models.Model):
    """One person's counted attendance in a programme, kept by `grannar.training.rollups` in the
    transaction of every change: the person's current record (what the breakdowns count by) and
    the aggregates of their attended registrations over the whole programme.

    The rollups are derived rows, rebuilt whole when in doubt: their foreign keys carry no
    database constraint, so that writing a million of them is not a million checks (Django
    still deletes them with what they point to)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    support_resource = models.BooleanField()
    workplace_id = models.IntegerField(null=True)
    staff_category_id = models.IntegerField(null=True)
    staff_category = models.CharField(max_length=60)
    sector = models.CharField(max_length=60)
    gender = models.CharField(max_length=20)
    age_band = models.CharField(max_length=10)
    entry = models.DateField()  # first attended session
    exit = models.DateField()  # last attended session
    hours = models.IntegerField()  # whole hours, summed per registration
    subgoals = models.CharField(max_length=200)  # sub-goal numbers, comma-separated

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="person_rollup_unique")
        ]
        indexes = [
            models.Index(fields=["programme", "municipality"]),
            models.Index(fields=["programme", "support_resource"]),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.person_id}"


class Tally(models.Model):
    """How many participants (not support resources) of one municipality a breakdown key
    counts, with their whole hours; `dimension` "all" also holds the support resources. Kept
    from the person rollups of the municipality."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    dimension = models.CharField(max_length=20)
    key = models.CharField(max_length=60)
    persons = models.IntegerField()
    hours = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality", "dimension", "key"], name="tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.dimension}={self.key}: {self.persons}"


class ProgrammeRollup(models.Model):
    """The programme's sessions held and mixed-sector sessions, and the days of its first and
    last counted session. Its row is locked last by every refresh that touches sessions."""

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    sessions_held = models.IntegerField(default=0)
    mixed_sessions = models.IntegerField(default=0)
    first = models.DateTimeField(null=True)
    last = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.sessions_held}"


class SessionRollup(models.Model):
    """A programme session's counted attended registrations: how many people, and how many
    sectors its participants span. Its row is also the lock a refresh takes on the session."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    starts = models.DateTimeField()
    persons = models.IntegerField(default=0)
    sectors = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # A session whose course moved to another programme has a row in each.
            models.UniqueConstraint(fields=["programme", "session"], name="session_rollup_unique")
        ]
        indexes = [models.Index(fields=["programme", "starts"])]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.persons}"


class SessionMunicipality(models.Model):
    """The same for the people of one municipality at a session (rows with people only)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    persons = models.IntegerField()
    sectors = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "session", "municipality"],
                name="session_municipality_unique",
            )
        ]
        indexes = [models.Index(fields=["programme", "municipality"])]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.municipality_id}: {self.persons}"
