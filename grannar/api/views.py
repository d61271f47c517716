"""The account page where a user makes, sees and revokes their own API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grannar.api.forms import TokenForm
from grannar.api.tokens import access_token, token_create, token_list, token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def token_list_view(request):
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "secret": secret, "tokens": token_list(user=request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = access_token(user=request.user, pk=pk)
    token_revoke(token=token, by=request.user)
    messages.success(request, _("The token has been revoked; it no longer works."))
    return redirect("api_tokens")
