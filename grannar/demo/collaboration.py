"""Demo collaboration data: a pilot workshop per participating municipality with its project
group, meetings and routines; support resources' engagements and outcomes; competence-supply
plans; five courses handed over to the regular catalogue with their later sessions; lessons.

Everything is drawn from a seeded generator over the people and sessions already loaded, and
written in bulk. A municipality that left the programme keeps what it did before it left.
"""

import datetime as dt
import hashlib
import random
from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from grannar.collaboration.models import (
    CompetencePlan,
    Engagement,
    GroupMember,
    Lesson,
    Meeting,
    Outcome,
    PilotWorkshop,
    PlanNeed,
    Routine,
)
from grannar.collaboration.services import add_months
from grannar.people.models import Person, User, Workplace
from grannar.programmes.models import Membership, Programme, Sector
from grannar.training.models import Attendance, Course, Registration, Session
from grannar.training.services import course_hand_over

# The sectors a project group spans, and one that some groups add.
GROUP_SECTORS = ("skola", "socialtjanst", "boende")
EXTRA_SECTOR = "fritid"

FOCUSES = [
    "Gemensam rutin vid skolstart för nyanlända elever som bor på HVB: vem gör vad de första "
    "fyra veckorna, och hur skolan, boendet och socialsekreteraren delar information.",
    "Samordnad planering när en ungdom flyttar från HVB till stödboende mitt i terminen, så att "
    "skolgången inte bryts.",
    "Tidig upptäckt av psykisk ohälsa: elevhälsan, boendepersonalen och socialtjänsten använder "
    "samma frågor och samma väg till stöd.",
    "Skolfrånvaro hos ensamkommande elever: gemensam signal från skola och boende redan vid första "
    "veckans frånvaro.",
    "Överlämning vid 18 år: hur skola, boende och socialtjänst förbereder den unga inför "
    "myndighetsdagen och eftervården.",
    "Läxstöd och studiero på boendet i samarbete med skolans studiehandledare.",
    "Gemensamma samverkansmöten (SIP) för unga med både skol- och boendeproblem, med en "
    "samordnare som kallar och följer upp.",
    "Sömn, dygnsrytm och skolnärvaro: boendet och elevhälsan arbetar fram en gemensam plan för "
    "kvällar och morgnar.",
    "Introduktion för nyanställd boendepersonal om skolans uppdrag och socialtjänstens "
    "utredningar, och för lärare om boendets vardag.",
    "Kontakt med god man och familjehem: en gemensam kontaktlista och mötesordning mellan skola, "
    "familjehemssekreterare och boende.",
    "Fritid som skyddsfaktor: skolan och boendet slussar unga till föreningsliv och kulturskola.",
    "Samverkan kring unga som väntar på asylbeslut: oro, skolmotivation och stöd i vardagen.",
]

# (title, problem it solves)
ROUTINES = [
    (
        "Gemensam rutin vid skolstart för elever som bor på HVB",
        "Skolan fick inte veta vem på boendet som var kontaktperson, och boendet visste inte "
        "när eleven skulle börja.",
    ),
    (
        "Informationsöverföring vid flytt mellan boenden",
        "När en ungdom flyttade följde varken skolplacering eller elevhälsans anteckningar med.",
    ),
    (
        "Frånvaroanmälan från boendet till skolan samma morgon",
        "Frånvaro upptäcktes först efter flera dagar och ingen tog kontakt med boendet.",
    ),
    (
        "Trepartssamtal skola–boende–socialsekreterare varje termin",
        "Var och en följde upp den unga för sig, med olika mål och utan att veta om varandra.",
    ),
    (
        "Kontaktlista med ansvarig person i varje verksamhet",
        "Personalen visste inte vem de skulle ringa när något hände en kväll eller helg.",
    ),
    (
        "Gemensam plan inför 18-årsdagen",
        "Unga stod utan boende och stöd dagen de fyllde 18, mitt i en termin.",
    ),
    (
        "Oro för psykisk ohälsa: samma frågor, samma väg till stöd",
        "Boendet och skolan märkte oro men visste inte hur de skulle gå vidare tillsammans.",
    ),
    (
        "Läxhjälp på boendet kopplad till skolans planering",
        "Boendepersonalen visste inte vad eleven arbetade med i skolan.",
    ),
    (
        "Samordnad individuell plan (SIP) inom två veckor",
        "Det tog månader innan alla som berördes av en ungdoms situation satt vid samma bord.",
    ),
    (
        "Introduktion för ny personal om de andra verksamheternas uppdrag",
        "Hög personalomsättning gjorde att samverkan började om från noll gång på gång.",
    ),
    (
        "Rutin för kvällar och morgnar som stödjer skolnärvaron",
        "Unga sov dåligt, kom sent till skolan och ingen tog ett samlat grepp om dygnsrytmen.",
    ),
    (
        "Gemensam information till god man och familjehem",
        "God man och familjehem fick motstridiga besked från skola och socialtjänst.",
    ),
    (
        "Slussning till fritidsaktiviteter via skola och boende",
        "Unga hade lite att göra efter skolan och visste inte vad som fanns i kommunen.",
    ),
    (
        "Avvikelserapport vid brister i samverkan",
        "Missar mellan verksamheterna upptäcktes men ingen lärde sig av dem.",
    ),
    (
        "Mottagningssamtal med tolk där alla tre verksamheter deltar",
        "Den unga fick berätta sin historia flera gånger för olika personer.",
    ),
    (
        "Överlämning till eftervård efter placering",
        "Skolan och boendet visste inte vem som tog över när placeringen upphörde.",
    ),
]

MEETING_NOTES = [
    "Genomgång av nuläget i varje verksamhet och de senaste månadernas svårigheter.",
    "Vi gick igenom utkastet till rutin och prövade det mot två verkliga fall.",
    "Erfarenheter från testperioden: rutinen fungerar på dagtid men inte på helger.",
    "Diskussion om sekretess och samtycke när skola och boende delar information.",
    "Stödresurs berättade om sin egen skolstart och vad som hade hjälpt.",
    "Uppföljning av frånvarosiffrorna sedan rutinen började användas.",
    "Planering av gemensam utbildningsdag för personal från alla tre sektorer.",
    "Återkoppling från ledningsgruppen om förslaget till rutin.",
]

MEETING_DECISIONS = [
    "Rutinen testas på två skolor och ett boende under resten av terminen.",
    "Samtyckesblanketten ses över av socialtjänsten till nästa möte.",
    "Förslaget lämnas till ledningsgruppen för beslut.",
    "Kontaktlistan uppdateras varje månad av skolans kurator.",
    "Nästa möte hålls på boendet så att fler i personalen kan vara med.",
    "Gruppen bjuder in elevhälsan till en gemensam workshop.",
    "",
]

FOLLOW_UP_NOTES = {
    Routine.InUse.YES: "Rutinen används i alla berörda verksamheter och finns i introduktionen.",
    Routine.InUse.PARTLY: "Används på skolorna men boendena har inte fått in den i vardagen.",
    Routine.InUse.NO: "Rutinen föll bort när nyckelpersoner slutade; den behöver en ny ägare.",
}

COMPETENCES = [
    "Traumamedvetet bemötande och förebyggande arbete",
    "Kunskap om skolans uppdrag och elevhälsans arbete",
    "Ställföreträdande föräldraskap i vardagen",
    "Samverkan och samordnad individuell plan",
    "Asylprocessen och ungas rättigheter",
    "Stöd vid övergång till vuxenlivet",
]

PLAN_ACTIONS = [
    "Alla nyanställda går introduktionen och minst en av regionens kurser första året.",
    "Två medarbetare utbildas till handledare och håller återkommande ärendedragningar.",
    "Kompetensbehoven följs upp vid medarbetarsamtalen och i verksamhetsplanen.",
    "Gemensam utbildningsdag med skola och socialtjänst varje höst.",
]

# (title, context, what we did, what happened, recommendation, tied to)
LESSONS = [
    (
        "Börja med ett verkligt fall",
        "Grupperna fastnade i allmänna diskussioner om ansvar och gränser.",
        "Vi lät varje möte utgå från en avidentifierad händelse där samverkan brustit.",
        "Diskussionerna blev konkreta och rutinerna kortare och mer användbara.",
        "Låt pilotverkstäder arbeta utifrån verkliga fall från första mötet.",
        "workshop",
    ),
    (
        "Rutiner behöver en ägare i varje verksamhet",
        "Flera rutiner antogs men användes inte ett halvår senare.",
        "Vi utsåg en ansvarig per sektor och skrev in rutinen i introduktionen.",
        "Rutiner med ägare i alla sektorer användes fortfarande vid uppföljningen.",
        "Besluta om ägare i varje verksamhet samtidigt som rutinen antas.",
        "routine",
    ),
    (
        "Stödresurser gör utbildningen verklig",
        "Föreläsningar om ensamkommandes situation upplevdes som abstrakta.",
        "Unga som själva kommit ensamma medverkade som medutbildare och i paneler.",
        "Deltagarna gav dessa tillfällen högst betyg och stödresurserna fick referenser.",
        "Planera in stödresurser från början och ersätt deras tid.",
        "course",
    ),
    (
        "Chefer måste vara med",
        "Medarbetare var motiverade men saknade mandat att ändra arbetssätt.",
        "Ledningsgrupperna fick en egen kurs om kompetensförsörjning.",
        "Fler kompetensförsörjningsplaner antogs och rutiner fick beslut.",
        "Knyt en chef från varje sektor till projektgruppen.",
        "course",
    ),
    (
        "Blandade grupper lär sig mest",
        "Personal från olika sektorer visste lite om varandras uppdrag.",
        "Kurserna blandade skola, socialtjänst och boende i samma grupp.",
        "Deltagarna nämnde kontakterna som det viktigaste de tog med sig.",
        "Styr anmälan så att varje tillfälle får deltagare från minst tre sektorer.",
        None,
    ),
    (
        "Tolk från början sparar tid",
        "Mottagningssamtal gjordes om när den unga inte förstått.",
        "Vi bokade tolk till alla första samtal där flera verksamheter deltog.",
        "Färre missförstånd och färre omtag under den första månaden.",
        "Budgetera för tolk i samverkansrutiner.",
        "routine",
    ),
    (
        "Sekretessfrågor måste lösas tidigt",
        "Skola och socialtjänst tolkade sekretessen olika.",
        "Jurister från kommunen gick igenom samtyckesblanketten med grupperna.",
        "Informationsöverföringen blev snabbare och tryggare.",
        "Ta fram gemensam samtyckesblankett innan rutinerna testas.",
        "workshop",
    ),
    (
        "Personalomsättning kräver introduktion",
        "Många som gått utbildningen slutade när boenden lades ned.",
        "Kurserna spelades in och introduktionsmaterial togs fram.",
        "Nyanställda kunde ta del av innehållet utan att vänta på nästa tillfälle.",
        "Gör kärnkurserna tillgängliga i det ordinarie kursutbudet.",
        "course",
    ),
    (
        "Kommuner som lämnar behöver en avslutning",
        "En kommun lämnade projektet när antalet ensamkommande minskade.",
        "Vi dokumenterade kommunens rutiner och lämnade över dem till förvaltningen.",
        "Rutinerna fanns kvar och kunde tas upp igen senare.",
        "Planera hur arbetet tas om hand om en part lämnar i förtid.",
        None,
    ),
    (
        "Följ upp med samma frågor",
        "Det var svårt att visa vad utbildningen ledde till.",
        "Samma kompetensfrågor ställdes före, efter och ett halvår senare.",
        "Förändringen kunde mätas och höll i sig vid uppföljningen.",
        "Bestäm uppföljningsfrågorna innan första kursen startar.",
        None,
    ),
    (
        "Små kommuner behöver samarbeta",
        "Små kommuner hade för få deltagare för egna kurser.",
        "Tillfällen förlades växelvis i grannkommunerna.",
        "Alla kommuner nådde sina mål för antal deltagare.",
        "Planera kurser gemensamt över kommungränserna.",
        None,
    ),
    (
        "Kompetensförsörjning är ett chefsansvar",
        "Planerna skrevs av projektledare och glömdes efter projektet.",
        "Planerna kopplades till verksamhetsplanen och följs upp årligen.",
        "Hälften av arbetsplatserna har en antagen plan.",
        "Låt linjeorganisationen äga planerna från början.",
        None,
    ),
]

OUTCOMES = [
    Outcome.Result.WORK,
    Outcome.Result.STUDIES,
    Outcome.Result.INTERNSHIP,
    Outcome.Result.JOB_SEEKING,
    Outcome.Result.UNKNOWN,
]

HANDED_OVER = 5


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


class CollaborationDemo:
    def __init__(self, programme: Programme, *, seed: int, admin: User | None):
        self.programme = programme
        self.rng = random.Random(f"{seed}-collaboration-{programme.code}")
        self.admin = admin
        self.end = programme.ends
        # Handed over in the new year after the programme: every programme session stays in.
        self.handover = programme.ends + dt.timedelta(days=15)

    def load(self) -> int:
        """Write the demo; return the number of workshops made (0 if already there)."""
        if PilotWorkshop.objects.filter(programme=self.programme).exists():
            return 0
        memberships = list(
            self.programme.memberships.filter(participates=True)
            .select_related("municipality")
            .order_by("id")
        )
        if not memberships:
            return 0
        self.sectors = {
            s.code: s for s in Sector.objects.filter(code__in=(*GROUP_SECTORS, EXTRA_SECTOR))
        }
        staff = defaultdict(list)
        supports = defaultdict(list)
        for person in (
            Person.objects.with_scopes_disabled()
            .filter(municipality__in=[m.municipality for m in memberships])
            .select_related("staff_category")
            .order_by("email")
        ):
            if person.support_resource:
                supports[person.municipality_id].append(person)
            elif person.staff_category is not None:
                staff[(person.municipality_id, person.staff_category.sector_id)].append(person)
        workshops = self._workshops(memberships, staff)
        self._support(memberships, supports)
        self._plans()
        courses = self._handover(memberships)
        self._lessons(workshops, courses)
        return len(workshops)

    def _window(self, membership: Membership) -> tuple[dt.date, dt.date]:
        first = max(self.programme.starts, membership.joined or self.programme.starts)
        last = min(self.end, membership.left or self.end)
        return first + dt.timedelta(days=60), last

    def _workshops(self, memberships, staff) -> list[PilotWorkshop]:
        rng = self.rng
        subgoals = {s.number: s for s in self.programme.subgoals.all()}
        # One group lacks the last of the sectors (housing), so that there is a group to flag.
        short = memberships[-1] if len(memberships) > 1 else None
        workshops, meetings, attendees, routines, routine_sectors = [], [], [], [], []
        titles = list(ROUTINES)
        rng.shuffle(titles)
        statuses = [
            Routine.Status.ADOPTED,
            Routine.Status.FOLLOWED_UP,
            Routine.Status.TESTING,
            Routine.Status.DRAFT,
            Routine.Status.FOLLOWED_UP,
            Routine.Status.ADOPTED,
            Routine.Status.RETIRED,
            Routine.Status.FOLLOWED_UP,
        ]
        step = 0
        for index, membership in enumerate(memberships):
            municipality = membership.municipality
            workshop = PilotWorkshop(
                programme=self.programme,
                municipality=municipality,
                focus=FOCUSES[index % len(FOCUSES)],
            )
            workshop.save()
            workshop.subgoals.set(
                [subgoals[n] for n in sorted({3, rng.choice([1, 2])}) if n in subgoals]
            )
            workshops.append(workshop)
            codes = list(GROUP_SECTORS[:-1] if membership is short else GROUP_SECTORS)
            if membership is not short and rng.random() < 0.4:
                codes.append(EXTRA_SECTOR)
            group = []
            for code in codes:
                sector = self.sectors.get(code)
                pool = staff.get((municipality.pk, sector.pk), []) if sector else []
                for person in rng.sample(pool, k=min(len(pool), rng.choice([1, 2, 2]))):
                    group.append(
                        GroupMember(
                            workshop=workshop,
                            person=person,
                            sector=sector,
                            role=GroupMember.Role.LEAD if not group else GroupMember.Role.MEMBER,
                        )
                    )
            GroupMember.objects.bulk_create(group)
            first, last = self._window(membership)
            days = sorted({_between(rng, first, last) for _ in range(rng.randint(4, 7))})
            for day in days:
                meeting = Meeting(
                    workshop=workshop,
                    date=day,
                    notes=rng.choice(MEETING_NOTES),
                    decisions=rng.choice(MEETING_DECISIONS),
                )
                meetings.append(meeting)
                came = rng.sample(group, k=max(min(2, len(group)), len(group) - rng.randint(0, 2)))
                attendees += [(meeting, member) for member in came]
            for _ in range(3 if len(group) >= 3 else 2):
                status = statuses[step % len(statuses)]
                title, problem = titles[step % len(titles)]
                step += 1
                bound = sorted({m.sector_id for m in group}) or [
                    self.sectors[c].pk for c in GROUP_SECTORS[:2] if c in self.sectors
                ]
                chosen = rng.sample(bound, k=min(len(bound), rng.choice([2, 3])))
                # The owner is a member from one of the sectors the routine binds.
                owners = [m for m in group if m.sector_id in chosen]
                routine = self._routine(workshop, status, title, problem, first, last)
                routine.owner = rng.choice(owners) if owners else None
                routines.append(routine)
                routine_sectors.append(chosen)
        Meeting.objects.bulk_create(meetings)
        Meeting.attendees.through.objects.bulk_create(
            Meeting.attendees.through(meeting_id=m.pk, groupmember_id=g.pk) for m, g in attendees
        )
        Routine.objects.bulk_create(routines)
        Routine.sectors.through.objects.bulk_create(
            Routine.sectors.through(routine_id=r.pk, sector_id=s)
            for r, chosen in zip(routines, routine_sectors, strict=True)
            for s in chosen
        )
        # A routine was written when its first step was taken, not when the demo ran.
        for routine in routines:
            routine.created = _at(routine.written, 10)
        Routine.objects.bulk_update(routines, ["created"])
        self.meetings = meetings
        self.routines = routines
        return workshops

    def _routine(self, workshop, status, title, problem, first, last) -> Routine:
        """A routine with the dates of the steps its status says it has taken, all within the
        workshop's time in the programme; a follow-up comes after its due date."""
        rng = self.rng
        months = self.programme.follow_up_months
        routine = Routine(workshop=workshop, title=title, problem=problem, status=status)
        if status == Routine.Status.FOLLOWED_UP:
            followed = last - dt.timedelta(days=rng.randint(5, 40))
            due = followed - dt.timedelta(days=rng.randint(0, 30))
            adopted = add_months(due, -months)
        elif status in (Routine.Status.ADOPTED, Routine.Status.RETIRED):
            adopted = _between(rng, first + dt.timedelta(days=120), last - dt.timedelta(days=10))
        else:
            adopted = None
        if adopted is not None:
            testing = adopted - dt.timedelta(days=rng.randint(45, 120))
        elif status == Routine.Status.TESTING:
            testing = _between(rng, first + dt.timedelta(days=45), last - dt.timedelta(days=20))
        else:
            testing = None
        # Written some weeks before testing began (a draft: some time during the workshop).
        written = (testing or _between(rng, first, last)) - dt.timedelta(days=rng.randint(14, 45))
        routine.written = max(written, first - dt.timedelta(days=30))
        routine.testing_from = testing
        if adopted is not None:
            routine.adopted_on = adopted
            routine.decided_by = rng.choice(
                ["Ledningsgruppen för barn och unga", "Socialnämnden", "Förvaltningsledningen"]
            )
            routine.decision_reference = f"Protokoll {adopted:%Y-%m-%d}, § {rng.randint(3, 40)}"
            routine.follow_up_due = add_months(adopted, months)
        if status == Routine.Status.FOLLOWED_UP:
            routine.followed_up_on = followed
            routine.in_use = rng.choice(
                [Routine.InUse.YES, Routine.InUse.YES, Routine.InUse.PARTLY, Routine.InUse.NO]
            )
            routine.follow_up_note = FOLLOW_UP_NOTES[routine.in_use]
        if status == Routine.Status.RETIRED:
            routine.retired_on = min(last, adopted + dt.timedelta(days=rng.randint(30, 90)))
        return routine

    def _support(self, memberships, supports) -> None:
        """Each support resource takes part in a few sessions and some of their own workshop's
        meetings, and has an outcome at the programme's end and mostly at follow-up."""
        rng = self.rng
        left = {m.municipality_id: m.left for m in memberships if m.left}
        sessions = list(
            Session.objects.filter(
                course__programme=self.programme, starts__lt=_at(self.end, 23)
            ).order_by("starts", "code")
        )
        meetings = defaultdict(list)
        for meeting in self.meetings:
            meetings[meeting.workshop.municipality_id].append(meeting)
        roles = [
            Engagement.Role.CO_TRAINER,
            Engagement.Role.PANEL,
            Engagement.Role.EXPERIENCE_EXPERT,
        ]
        engagements, outcomes = [], []
        people = [p for m in memberships for p in supports.get(m.municipality_id, [])]
        for index, person in enumerate(people):
            until = left.get(person.municipality_id)
            open_sessions = [
                s for s in sessions if until is None or timezone.localtime(s.starts).date() <= until
            ]
            for session in rng.sample(open_sessions, k=min(len(open_sessions), rng.randint(1, 4))):
                hours = min(session.credited_hours, Decimal(rng.choice([1, 2, 3])))
                engagements.append(
                    Engagement(person=person, session=session, role=rng.choice(roles), hours=hours)
                )
            own = meetings.get(person.municipality_id, [])
            for meeting in rng.sample(own, k=min(len(own), rng.randint(0, 2))):
                engagements.append(
                    Engagement(
                        person=person,
                        meeting=meeting,
                        role=Engagement.Role.EXPERIENCE_EXPERT,
                        hours=Decimal("1.5"),
                    )
                )
            # Every outcome occurs: the first few people take them in turn, and keep them.
            first = OUTCOMES[index] if index < len(OUTCOMES) else rng.choice(OUTCOMES)
            outcomes.append(
                Outcome(
                    person=person,
                    programme=self.programme,
                    moment=Outcome.Moment.PROGRAMME_END,
                    result=first,
                    recorded_on=self.end - dt.timedelta(days=rng.randint(0, 20)),
                )
            )
            if rng.random() < 0.7:
                later = rng.choices(
                    [first, Outcome.Result.WORK, Outcome.Result.STUDIES], weights=[2, 2, 1]
                )[0]
                if index < len(OUTCOMES):
                    later = first
                outcomes.append(
                    Outcome(
                        person=person,
                        programme=self.programme,
                        moment=Outcome.Moment.FOLLOW_UP,
                        result=later,
                        recorded_on=add_months(self.end, 6) - dt.timedelta(days=rng.randint(0, 20)),
                    )
                )
        Engagement.objects.bulk_create(engagements, batch_size=2000)
        Outcome.objects.bulk_create(outcomes, batch_size=2000)

    def _plans(self) -> None:
        """Plans for about half the workplaces with participants, in every status."""
        rng = self.rng
        workplace_ids = set(
            Registration.objects.with_scopes_disabled()
            .filter(
                session__course__programme=self.programme,
                status=Registration.Status.ATTENDED,
                person__support_resource=False,
                person__workplace__isnull=False,
            )
            .values_list("person__workplace_id", flat=True)
            .distinct()
            .order_by()
        )
        workplaces = list(
            Workplace.objects.with_scopes_disabled()
            .filter(pk__in=workplace_ids)
            .order_by("municipality__code", "name")
        )
        categories = defaultdict(list)
        for pc in self.programme.programme_categories.select_related("category").order_by("id"):
            categories[pc.category.sector_id].append(pc.category)
        courses = list(Course.objects.filter(programme=self.programme).order_by("code"))
        left = {m.municipality_id: m.left for m in self.programme.memberships.exclude(left=None)}
        plans, needs, need_courses = [], [], []
        for workplace in workplaces:
            if rng.random() >= 0.55:
                continue
            year = rng.choice([self.programme.starts.year + 1, self.programme.starts.year + 2])
            status = rng.choices(
                [
                    CompetencePlan.Status.DRAFT,
                    CompetencePlan.Status.ADOPTED,
                    CompetencePlan.Status.FOLLOWED_UP,
                ],
                weights=[1, 5, 3],
            )[0]
            plan = CompetencePlan(
                programme=self.programme,
                workplace=workplace,
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year + 2, 12, 31),
                actions=rng.choice(PLAN_ACTIONS),
                status=status,
            )
            # Adopted around the start of its period, and while the municipality took part.
            last = min(self.end, left.get(workplace.municipality_id, self.end))
            latest = min(last, dt.date(year, 6, 30))
            if status != CompetencePlan.Status.DRAFT:
                adopted = _between(rng, latest - dt.timedelta(days=270), latest)
                plan.adopted_on = adopted
                plan.decision_reference = (
                    f"Ledningsgruppens protokoll {adopted:%Y-%m-%d}, § {rng.randint(2, 30)}"
                )
                if adopted + dt.timedelta(days=120) > last:
                    plan.status = CompetencePlan.Status.ADOPTED
            if plan.status == CompetencePlan.Status.FOLLOWED_UP:
                plan.followed_up_on = _between(rng, plan.adopted_on + dt.timedelta(days=120), last)
                plan.follow_up_note = "Hälften av behoven är mötta; resten flyttas till nästa år."
            plans.append(plan)
            own = categories.get(workplace.sector_id) or [
                c for cs in categories.values() for c in cs
            ]
            for category in rng.sample(own, k=min(len(own), rng.randint(1, 2))):
                need = PlanNeed(
                    plan=plan,
                    staff_category=category,
                    head_count=rng.randint(2, 15),
                    competences=rng.choice(COMPETENCES),
                )
                needs.append(need)
                need_courses += [(need, c) for c in rng.sample(courses, k=min(len(courses), 2))]
        CompetencePlan.objects.bulk_create(plans, batch_size=1000)
        PlanNeed.objects.bulk_create(needs, batch_size=1000)
        PlanNeed.courses.through.objects.bulk_create(
            (PlanNeed.courses.through(planneed_id=n.pk, course_id=c.pk) for n, c in need_courses),
            batch_size=2000,
        )

    def _handover(self, memberships) -> list[Course]:
        """Five programme courses go to the regular catalogue after the programme and run there
        a few times in the following year, with staff of the municipalities still taking part."""
        rng = self.rng
        courses = rng.sample(
            list(Course.objects.filter(programme=self.programme).order_by("code")),
            k=min(HANDED_OVER, Course.objects.filter(programme=self.programme).count()),
        )
        organiser = f"{self.programme.owner} – ordinarie kursutbud"
        staying = [m for m in memberships if not m.left_early]
        people = list(
            Person.objects.with_scopes_disabled()
            .filter(municipality__in=[m.municipality for m in staying], support_resource=False)
            .order_by("email")
            .only("id", "municipality_id")
        )
        handed = []
        for course in courses:
            handed.append(
                course_hand_over(
                    course=course, on=self.handover, receiving_organiser=organiser, by=self.admin
                )
            )
        sessions, registrations = [], []
        n = 0
        for course in handed:
            for _ in range(rng.randint(2, 4)):
                n += 1
                day = _between(
                    rng,
                    self.handover + dt.timedelta(days=20),
                    self.handover + dt.timedelta(days=330),
                )
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                host = rng.choice(staying).municipality
                capacity = rng.choice([20, 25, 30])
                session = Session(
                    course=course,
                    code=f"{course.code[:40]}-k{n}",
                    starts=_at(day, 9),
                    ends=_at(day, 9) + dt.timedelta(hours=float(course.credited_hours)),
                    location=f"{host.name}, Regionens lokaler",
                    host_municipality=host,
                    credited_hours=course.credited_hours,
                    capacity=capacity,
                    cancellation_deadline=_at(day - dt.timedelta(days=3), 12),
                )
                sessions.append(session)
                chosen = rng.sample(people, k=min(len(people), capacity - rng.randint(0, 6)))
                registrations += [
                    Registration(
                        session=session,
                        person_id=person.pk,
                        municipality_id=person.municipality_id,
                        status=Registration.Status.NO_SHOW
                        if rng.random() < 0.06
                        else Registration.Status.ATTENDED,
                    )
                    for person in chosen
                ]
                session.seats_taken = len(chosen)
        Session.objects.bulk_create(sessions)
        for registration in registrations:
            registration.session_id = registration.session.pk
        Registration.objects.bulk_create(registrations, batch_size=2000)
        Attendance.objects.bulk_create(
            (
                Attendance(registration=r, method=Attendance.Method.TRAINER)
                for r in registrations
                if r.status == Registration.Status.ATTENDED
            ),
            batch_size=2000,
        )
        return handed

    def _lessons(self, workshops, courses) -> None:
        rng = self.rng
        followed = [r for r in self.routines if r.status == Routine.Status.FOLLOWED_UP]
        lessons = []
        for title, context, did, happened, recommendation, tie in LESSONS:
            lesson = Lesson(
                programme=self.programme,
                title=title,
                context=context,
                what_we_did=did,
                what_happened=happened,
                recommendation=recommendation,
                created_by=self.admin,
            )
            if tie == "workshop" and workshops:
                lesson.workshop = rng.choice(workshops)
            elif tie == "routine" and followed:
                lesson.routine = rng.choice(followed)
                lesson.workshop = lesson.routine.workshop
            elif tie == "course" and courses:
                lesson.course = rng.choice(courses)
            lessons.append(lesson)
        Lesson.objects.bulk_create(lessons)


def collaboration_fingerprint(programme: Programme) -> str:
    """A digest of the programme's collaboration demo by natural keys (never ids), to show that
    the same seed gives the same data."""
    wm = "workshop__municipality__code"
    queries = [
        PilotWorkshop.objects.filter(programme=programme)
        .order_by("municipality__code")
        .values_list("municipality__code", "focus"),
        PilotWorkshop.subgoals.through.objects.filter(pilotworkshop__programme=programme)
        .order_by("pilotworkshop__municipality__code", "subgoal__number")
        .values_list("pilotworkshop__municipality__code", "subgoal__number"),
        GroupMember.objects.filter(workshop__programme=programme)
        .order_by(wm, "person__email")
        .values_list(wm, "person__email", "sector__code", "role"),
        Meeting.objects.filter(workshop__programme=programme)
        .order_by(wm, "date", "notes")
        .values_list(wm, "date", "notes", "decisions"),
        Meeting.attendees.through.objects.filter(meeting__workshop__programme=programme)
        .order_by("meeting__date", "groupmember__person__email")
        .values_list("meeting__date", "groupmember__person__email"),
        Routine.objects.filter(workshop__programme=programme)
        .order_by(wm, "title")
        .values_list(
            wm,
            "title",
            "status",
            "owner__person__email",
            "created",
            "testing_from",
            "adopted_on",
            "decided_by",
            "decision_reference",
            "follow_up_due",
            "followed_up_on",
            "in_use",
            "retired_on",
        ),
        Routine.sectors.through.objects.filter(routine__workshop__programme=programme)
        .order_by("routine__title", "sector__code")
        .values_list("routine__title", "sector__code"),
        Engagement.objects.filter(
            Q(session__course__programme=programme) | Q(meeting__workshop__programme=programme)
        )
        .order_by("person__email", "session__code", "meeting__date", "role", "hours")
        .values_list("person__email", "session__code", "meeting__date", "role", "hours"),
        Outcome.objects.filter(programme=programme)
        .order_by("person__email", "moment")
        .values_list("person__email", "moment", "result", "recorded_on"),
        CompetencePlan.objects.filter(programme=programme)
        .order_by("workplace__municipality__code", "workplace__name")
        .values_list(
            "workplace__name",
            "period_start",
            "period_end",
            "actions",
            "status",
            "adopted_on",
            "decision_reference",
            "followed_up_on",
        ),
        PlanNeed.objects.filter(plan__programme=programme)
        .order_by("plan__workplace__municipality__code", "plan__workplace__name", "staff_category")
        .values_list("plan__workplace__name", "staff_category__code", "head_count", "competences"),
        PlanNeed.courses.through.objects.filter(planneed__plan__programme=programme)
        .order_by("planneed__plan__workplace__name", "course__code")
        .values_list("planneed__plan__workplace__name", "course__code"),
        Course.objects.filter(programme=programme, handed_over_on__isnull=False)
        .order_by("code")
        .values_list("code", "handed_over_on", "receiving_organiser"),
        Registration.objects.with_scopes_disabled()
        .filter(
            session__course__programme=programme,
            session__starts__date__gt=F("session__course__handed_over_on"),
        )
        .order_by("session__code", "person__email")
        .values_list("session__code", "session__starts", "person__email", "status"),
        Lesson.objects.filter(programme=programme)
        .order_by("title")
        .values_list("title", "workshop__municipality__code", "routine__title", "course__code"),
    ]
    digest = hashlib.sha256()
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
    return digest.hexdigest()
