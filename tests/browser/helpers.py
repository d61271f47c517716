from django_otp.plugins.otp_totp.models import TOTPDevice

from grannar.people.two_factor import totp_code

DEMO_ACCOUNTS = {
    "admin": "admin@demo.example",
    "coordinator": "samordnare.1481@demo.example",
    "trainer": "kursledare@demo.example",
    "participant": "deltagare@demo.example",
    "evaluator": "utvarderare@demo.example",
    "auditor": "revisor@demo.example",
}


def sign_in(page, server_url: str, email: str, password: str) -> None:
    """Sign in through the real pages, with the authenticator code where the role needs one."""
    page.goto(f"{server_url}/login/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    if "/account/two-factor/" in page.url:
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        # A code is accepted once; tests sign in more often than every 30 seconds.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        page.get_by_label("Kod").fill(totp_code(device))
        with page.expect_navigation():
            page.get_by_role("button", name="Verifiera").click()
