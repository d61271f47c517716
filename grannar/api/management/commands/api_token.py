from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from grannar.api.tokens import default_days, token_create, token_list, token_revoke
from grannar.core.management.base import AdminCommand
from grannar.people.models import User, normalize_email


class Command(AdminCommand):
    help = (
        "create: make a personal API token for a user and print it (only the token, once); "
        "list: a user's tokens with their last use; revoke: stop a token by its id."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--user", required=True, help="The account's e-mail address")
        parser.add_argument("--days", type=int, help="How long the token lives (default 90)")
        parser.add_argument("--name", default="", help="What the token is for")
        parser.add_argument("--id", type=int, dest="token_id", help="The token to revoke")

    def handle(self, *args, action, user, days, name, token_id, **options):
        account = User.objects.filter(email=normalize_email(user)).first()
        if account is None:
            raise CommandError(_("No account with that e-mail address."))
        if action == "create":
            try:
                _token, secret = token_create(
                    user=account,
                    name=name or _("Command line"),
                    days=default_days() if days is None else days,
                    by=None,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            self.stdout.write(secret)
        elif action == "list":
            now = timezone.now()
            for token in token_list(user=account):
                state = (
                    _("revoked")
                    if token.revoked
                    else _("expired")
                    if token.expires <= now
                    else _("active")
                )
                last = token.last_used.isoformat(timespec="minutes") if token.last_used else "–"
                self.stdout.write(
                    f"{token.pk}\t{token.prefix}…\t{token.name}\t{state}\t"
                    f"{token.expires.date().isoformat()}\t{last}"
                )
        else:
            token = token_list(user=account).filter(pk=token_id).first() if token_id else None
            if token is None:
                raise CommandError(_("That user has no token with that id (--id)."))
            token_revoke(token=token, by=None)
            self.stdout.write(_("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
