#!/usr/bin/env bash
# Refresh the Swedish catalogue after changing interface text, then compile it.
# The .mo file is committed so that running Grannar needs no gettext tools.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.base
.venv/bin/grannar makemessages -l sv --no-location --no-obsolete --ignore=.venv --ignore=tests --ignore=var
msgfmt --check -o locale/sv/LC_MESSAGES/django.mo locale/sv/LC_MESSAGES/django.po
