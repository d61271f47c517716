"""Web sessions in the database, read by one written-out query."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_READ = (
    'SELECT "session_data" FROM "django_session" WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    """Django's database sessions. Every signed-in request reads its session, and building
    that query through the ORM took longer than running it; the read is therefore written
    out. Everything else (writing, expiry, cleaning up) is Django's."""

    def _get_session_from_db(self):
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_READ, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
