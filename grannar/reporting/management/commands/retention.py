from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.management.base import AdminCommand
from grannar.reporting.retention import PlanItem, retention_plan, retention_run


def plan_line(item: PlanItem) -> str:
    """One rule of the plan, as the command prints it."""
    kept = (
        _("kept until %(day)s") % {"day": item.keep_until.isoformat()}
        if item.keep_until is not None
        else ngettext(
            "kept %(count)s year after the year of the last sign-in",
            "kept %(count)s years after the year of the last sign-in",
            item.rule.keep_years,
        )
        % {"count": item.rule.keep_years}
    )
    due = (
        ngettext("%(count)s record due", "%(count)s records due", item.count)
        % {"count": item.count}
        if item.due
        else _("nothing due")
    )
    return f"{item.programme.code}  {item.label}  {item.rule.decision}  {kept}  {due}"


class Command(AdminCommand):
    help = (
        "run: carry out what the programmes' retention rules have made due, all or nothing, "
        "audit-logged with each rule's decision. --dry-run lists it and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"])
        parser.add_argument(
            "--dry-run", action="store_true", help="List what is due; change nothing."
        )

    def handle(self, *args, action: str, dry_run: bool, **options):
        plan = retention_plan() if dry_run else retention_run()
        if not plan:
            self.stdout.write(_("No programme has retention rules."))
            return
        for item in plan:
            self.stdout.write(plan_line(item))
        due = sum(item.count for item in plan)
        if dry_run:
            self.stdout.write(
                ngettext(
                    "Dry run: %(count)s record is due; nothing was changed.",
                    "Dry run: %(count)s records are due; nothing was changed.",
                    due,
                )
                % {"count": due}
            )
        else:
            self.stdout.write(
                ngettext(
                    "%(count)s record disposed of.",
                    "%(count)s records disposed of.",
                    due,
                )
                % {"count": due}
            )
