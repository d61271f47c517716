from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from grannar.core.management.base import AdminCommand
from grannar.demo.people import DEMO_TOTP_KEY
from grannar.people.two_factor import totp_code


class Command(AdminCommand):
    help = "Print the current two-step verification code of the demo accounts."

    def handle(self, *args, **options):
        if not settings.GRANNAR_DEMO_TOOLS:
            raise CommandError(_("Demo tools are switched off in these settings."))
        device = TOTPDevice.objects.filter(key=DEMO_TOTP_KEY, confirmed=True).first()
        if device is None:
            raise CommandError(_("No demo accounts are loaded; run `grannar demo` first."))
        self.stdout.write(totp_code(device))
