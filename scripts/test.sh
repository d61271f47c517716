#!/usr/bin/env bash
# Lint, then the whole test suite on SQLite and, when it answers, on PostgreSQL.
# Browser tests need Debian's Chromium at /usr/bin/chromium and single sign-on tests node and npm;
# without them they are left out, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${GRANNAR_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/grannar}

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .

ARGS=("$@")
if [ ! -x /usr/bin/chromium ]; then
  echo
  echo "!! BROWSER TESTS SKIPPED: /usr/bin/chromium is missing (apt-get install chromium)."
  echo "!! Accessibility, keyboard and browser walks were NOT tested."
  echo
  if [ -n "${GRANNAR_REQUIRE_BROWSER:-}" ]; then
    echo "!! GRANNAR_REQUIRE_BROWSER is set: failing." >&2
    exit 1
  fi
  ARGS+=(-m "not browser")
fi

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
    echo "== npm ci (the OpenID Connect provider for the sign-in tests)"
    npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
  fi
else
  echo
  echo "!! SINGLE SIGN-ON TESTS SKIPPED: node and npm are missing (apt-get install nodejs npm)."
  echo
  if [ -n "${GRANNAR_REQUIRE_NODE:-}" ]; then
    echo "!! GRANNAR_REQUIRE_NODE is set: failing." >&2
    exit 1
  fi
fi

echo "== pytest on SQLite"
DATABASE_URL="sqlite:///$PWD/var/grannar-test.sqlite3" $BIN/pytest "${ARGS[@]}"

if $BIN/python - "$PG_URL" <<'PY' 2>/dev/null
import sys

import psycopg

url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
PY
then
  echo "== pytest on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $BIN/pytest "${ARGS[@]}"
else
  echo
  echo "!! PostgreSQL SKIPPED: nothing answers at $PG_URL."
  echo "!! Only SQLite was tested. Start PostgreSQL (user postgres, trust auth) to test both."
  if [ -n "${GRANNAR_REQUIRE_POSTGRES:-}" ]; then
    echo "!! GRANNAR_REQUIRE_POSTGRES is set: failing." >&2
    exit 1
  fi
fi
