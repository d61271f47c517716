from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grannar.programmes.selectors import access_programme, programme_overview


@login_required
def programme_overview_view(request, code: str):
    programme = access_programme(user=request.user, code=code)
    return render(request, "programmes/overview.html", programme_overview(programme))
