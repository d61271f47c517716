"""Demo training data: the programme's sessions with attendance and attestations, and a year
of the regular catalogue around today with registrations and waiting lists.

Rows are written in bulk with counters that agree with them, as the services would leave them.
"""

import calendar
import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from grannar.core.rules import whole_hours
from grannar.demo.bulk import analyze, db_datetime, insert_rows, next_id, reset_sequences
from grannar.people.models import Person, User
from grannar.programmes.models import Programme
from grannar.programmes.selectors import leaving_dates
from grannar.training.models import (
    Attendance,
    Course,
    MonthlyAttestation,
    Registration,
    Session,
)

Status = Registration.Status
COURSES = [
    ("trauma", "Trauma, PTSD och stress hos ensamkommande", "workshop", [1], 6),
    ("bemotande", "Bemötande och förebyggande arbete", "forelasning", [1], 3),
    ("somn", "Sömn, oro och vardagsrutiner", "workshop", [1, 2], 3),
    ("skolgang", "Skolgång och välmående", "workshop", [2], 6),
    ("elevhalsa", "Elevhälsans arbete med nyanlända elever", "forelasning", [2], 3),
    ("boende-skola", "Boendet och skolan – ett gemensamt ansvar", "workshop", [2, 3], 3),
    ("samverkan", "Samverkan mellan socialtjänst, skola och boende", "workshop", [3], 6),
    ("stallforetradande", "Ställföreträdande föräldraskap", "forelasning", [1, 3], 3),
    ("kultur", "Fritid och kultur som väg in", "forelasning", [2], 3),
    ("asylprocessen", "Asylprocessen och ungas rättigheter", "forelasning", [1], 3),
    ("vuxenblivande", "Att bli vuxen i ett nytt land", "workshop", [1, 2], 6),
    ("ledarskap", "Chefers ansvar för kompetensförsörjning", "workshop", [3], 3),
]


DESCRIPTION = "En insats för personal som möter ensamkommande barn och unga."
VENUES = ["Stadshuset", "Kulturhuset", "Medborgarhuset", "Regionens lokaler"]
METHODS = [Attendance.Method.TRAINER] * 3 + [Attendance.Method.CHECKIN]


class _Ids:
    """The next ids of the rows written in bulk."""

    def __init__(self, *, registration: int, attendance: int):
        self.registration = registration
        self.attendance = attendance

    def take_registration(self) -> int:
        self.registration += 1
        return self.registration - 1

    def take_attendance(self) -> int:
        self.attendance += 1
        return self.attendance - 1


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class TrainingDemo:
    def __init__(
        self, programme: Programme, *, seed: int, trainer: User | None, admin: User | None
    ):
        self.programme = programme
        self.rng = random.Random(f"{seed}-training-{programme.code}")
        # Attestation days have their own generator, so that the training drawn stays the same.
        self.attesting = random.Random(f"{seed}-attesting-{programme.code}")
        self.trainer = trainer
        self.admin = admin

    def load(self) -> int:
        """Write the demo; return the number of registrations made (0 if already there)."""
        if Course.objects.filter(programme=self.programme).exists():
            return 0
        people = list(
            Person.objects.with_scopes_disabled()
            .filter(municipality__memberships__programme=self.programme)
            .order_by("id")
            .only("id", "municipality_id", "support_resource")
        )
        if not people:
            return 0
        courses = self._courses(programme=self.programme, prefix=self.programme.code)
        past = self._sessions(
            courses, self.programme.starts, self.programme.ends, seats=len(people) * 2.3, tag="p"
        )
        made = self._registrations(past, people, history=True)
        regular = self._courses(programme=None, prefix=f"{self.programme.code}-ordinarie")
        today = timezone.localdate()
        around = self._sessions(
            regular,
            today - dt.timedelta(days=90),
            today + dt.timedelta(days=270),
            seats=900,
            tag="o",
        )
        made += self._registrations(around, people, history=False)
        self._attestations()
        return made

    def load_at_scale(self, *, attended: int, per_session: int = 25) -> int:
        """A programme's past at national scale: about `attended` attended registrations, each
        with its attendance row, written in raw bulk (COPY on PostgreSQL) with ids given here,
        in batches so memory stays flat. No waiting lists or attestations: this data is for
        measuring the figures, not for walking through."""
        if Course.objects.filter(programme=self.programme).exists():
            return 0
        people = list(
            Person.objects.with_scopes_disabled()
            .filter(municipality__memberships__programme=self.programme)
            .order_by("id")
            .values_list("id", "municipality_id")
        )
        if not people:
            return 0
        courses = self._courses(programme=self.programme, prefix=self.programme.code)
        sessions = self._sessions(
            courses,
            self.programme.starts,
            min(self.programme.ends, timezone.localdate() - dt.timedelta(days=1)),
            seats=attended * 1.25,
            tag="n",
        )
        ids = _Ids(registration=next_id(Registration), attendance=next_id(Attendance))
        made = 0
        batch: list[tuple[Session, int, int, str]] = []
        for session in sessions:
            size = min(len(people), session.capacity, max(1, round(self.rng.gauss(per_session, 5))))
            for person_id, municipality_id in self.rng.sample(people, k=size):
                status = Status.NO_SHOW if self.rng.random() < 0.04 else Status.ATTENDED
                batch.append((session, person_id, municipality_id, status))
            session.seats_taken = size
            if len(batch) >= 20_000:
                made += self._write_attended(batch, ids)
                batch = []
            if made >= attended:
                break
        made += self._write_attended(batch, ids)
        reset_sequences(Registration, Attendance)
        taken = [(s.seats_taken, s.pk) for s in sessions if s.seats_taken]
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE training_session SET seats_taken = %s WHERE id = %s", taken)
        analyze(Person, Session, Registration, Attendance)
        return made

    def _write_attended(self, batch: list[tuple[Session, int, int, str]], ids: "_Ids") -> int:
        """Registrations and, for those attended, their attendance rows; the same draws, in the
        same order, as one registration at a time would make."""
        now = db_datetime(timezone.now())
        registrations, attendance = [], []
        for session, person_id, municipality_id, status in batch:
            registration_id = ids.take_registration()
            registrations.append(
                (registration_id, session.pk, person_id, municipality_id, status, now, now)
            )
            if status == Status.ATTENDED:
                attendance.append((registration_id, session))
        insert_rows(
            "training_registration",
            ("id", "session_id", "person_id", "municipality_id", "status", "created", "changed"),
            registrations,
        )
        insert_rows(
            "training_attendance",
            ("id", "registration_id", "hours", "method", "recorded"),
            (
                (
                    ids.take_attendance(),
                    registration_id,
                    self._partial_hours(session),
                    self.rng.choice(METHODS),
                    now,
                )
                for registration_id, session in attendance
            ),
        )
        return len(attendance)

    def _partial_hours(self, session: Session) -> Decimal | None:
        if self.rng.random() < 0.08:
            return (session.credited_hours / 2).quantize(Decimal("0.01"))
        return None

    def _courses(self, *, programme, prefix: str) -> list[Course]:
        formats = {f.code: f for f in self.programme.formats.all()}
        subgoals = {s.number: s for s in self.programme.subgoals.all()}
        categories = [pc.category for pc in self.programme.programme_categories.all()]
        courses = []
        for code, title, format_code, goals, hours in COURSES:
            course = Course.objects.create(
                programme=programme,
                code=f"{prefix}-{code}"[:60],
                title=title,
                description=f"{title}. {DESCRIPTION}",
                format=formats.get(format_code),
                credited_hours=Decimal(hours),
                status=Course.Status.PUBLISHED,
            )
            course.subgoals.set([subgoals[n] for n in goals if n in subgoals])
            course.target_categories.set(self.rng.sample(categories, k=min(3, len(categories))))
            courses.append(course)
        return courses

    def _sessions(self, courses, first: dt.date, last: dt.date, *, seats: float, tag: str):
        """Sessions with about `seats` seats in all over the period, on weekdays, around the
        region."""
        memberships = list(
            self.programme.memberships.filter(participates=True).select_related("municipality")
        )
        sessions = []
        offered = 0
        days = (last - first).days
        n = 0
        while offered < seats:
            course = self.rng.choice(courses)
            day = first + dt.timedelta(days=self.rng.randrange(days))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            hour = self.rng.choice([9, 13])
            lecture = course.format and course.format.code == "forelasning"
            capacity = self.rng.choice([40, 60, 80]) if lecture else self.rng.choice([20, 25, 30])
            host = self.rng.choice(memberships).municipality
            n += 1
            sessions.append(
                Session(
                    course=course,
                    code=f"{course.code[:40]}-{tag}{n}",
                    starts=_at(day, hour),
                    ends=_at(day, hour) + dt.timedelta(hours=float(course.credited_hours)),
                    location=f"{host.name}, {self.rng.choice(VENUES)}",
                    host_municipality=host,
                    credited_hours=course.credited_hours,
                    capacity=capacity,
                    cancellation_deadline=_at(day - dt.timedelta(days=3), 12),
                )
            )
            offered += capacity
        created = Session.objects.bulk_create(sorted(sessions, key=lambda s: s.starts))
        if self.trainer is not None:
            through = Session.trainers.through
            through.objects.bulk_create(
                through(session_id=s.pk, user_id=self.trainer.pk) for s in created[::3]
            )
        return created

    def _registrations(self, sessions, people, *, history: bool) -> int:
        now = timezone.now()
        staff = [p for p in people if not p.support_resource]
        supports = [p for p in people if p.support_resource]
        # Everyone gets a first session; most a second or third.
        wishes = defaultdict(list)
        order = list(staff)
        self.rng.shuffle(order)
        extra = self.rng.choices(staff, k=int(len(staff) * (0.8 if history else 0.3)))
        pool = (
            (order + extra) if history else self.rng.sample(staff, k=min(len(staff), 700)) + extra
        )
        for person in pool:
            wishes[self.rng.randrange(len(sessions))].append(person)
        for person in supports:
            wishes[self.rng.randrange(len(sessions))].append(person)
        registrations, attendance, counts = [], [], {}
        stamp = 0
        left = leaving_dates(self.programme) if history else {}
        for index, session in enumerate(sessions):
            seen = set()
            held = 0
            done = session.ends < now
            day = timezone.localtime(session.starts).date()
            for person in wishes.get(index, []):
                if person.pk in seen or day > left.get(person.municipality_id, day):
                    # Staff of a municipality that has left cannot register any more.
                    continue
                seen.add(person.pk)
                stamp += 1
                if self.rng.random() < 0.05:
                    status = Status.CANCELLED
                elif held >= session.capacity:
                    status = Status.WAITLISTED if not done else Status.CANCELLED
                elif done:
                    status = Status.NO_SHOW if self.rng.random() < 0.06 else Status.ATTENDED
                else:
                    status = Status.CONFIRMED
                if status in Registration.HOLDS_SEAT:
                    held += 1
                registration = Registration(
                    session=session,
                    person_id=person.pk,
                    municipality_id=person.municipality_id,
                    status=status,
                    queued=stamp if status == Status.WAITLISTED else None,
                )
                registrations.append(registration)
            counts[session.pk] = held
        Registration.objects.bulk_create(registrations, batch_size=2000)
        for registration in registrations:
            if registration.status == Status.ATTENDED:
                attendance.append(
                    Attendance(
                        registration=registration,
                        hours=self._partial_hours(registration.session),
                        method=self.rng.choice(METHODS),
                        recorded_by=self.trainer,
                    )
                )
        Attendance.objects.bulk_create(attendance, batch_size=2000)
        for session_id, held in counts.items():
            Session.objects.filter(pk=session_id).update(seats_taken=held)
        return len(registrations)

    def _attestations(self) -> None:
        """Most participants have attested most past months of the programme."""
        months: dict[tuple[int, dt.date], int] = defaultdict(int)
        attended = (
            Registration.objects.with_scopes_disabled()
            .filter(session__course__programme=self.programme, status=Status.ATTENDED)
            .select_related("session", "attendance")
        )
        for registration in attended.iterator(chunk_size=2000):
            month = timezone.localtime(registration.session.starts).date().replace(day=1)
            attendance = getattr(registration, "attendance", None)
            months[(registration.person_id, month)] += whole_hours(
                attendance.hours if attendance else None, registration.session.credited_hours
            )
        rows = []
        for (person_id, month), hours in sorted(months.items()):
            if self.rng.random() < 0.1:
                continue
            last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            rows.append(
                MonthlyAttestation(
                    person_id=person_id,
                    programme=self.programme,
                    month=month,
                    hours=hours,
                    statement=(
                        f"Jag intygar att jag under perioden {month:%Y-%m-%d} – {last:%Y-%m-%d} "
                        "har deltagit i programmets insatser omfattande "
                        f"{hours} {'timme' if hours == 1 else 'timmar'}."
                    ),
                )
            )
        MonthlyAttestation.objects.bulk_create(rows, batch_size=2000)
        # `attested` is stamped on creation; a participant attests within days of the month's
        # end, and never after the programme has closed.
        stored = list(
            MonthlyAttestation.objects.filter(programme=self.programme).order_by("id").only("month")
        )
        for row in stored:
            last = row.month.replace(day=calendar.monthrange(row.month.year, row.month.month)[1])
            day = min(last + dt.timedelta(days=self.attesting.randint(1, 12)), self.programme.ends)
            row.attested = _at(day, self.attesting.randint(8, 16))
        MonthlyAttestation.objects.bulk_update(stored, ["attested"], batch_size=1000)
