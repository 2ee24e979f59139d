"""Kept database connections (CONN_MAX_AGE) survive the server dropping them: the next
request's first query, through Django's cursor or a prepared statement (spotcheck.prepared),
replaces the connection instead of failing."""

import pytest
from django.db import connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server that drops connections")
def test_a_connection_the_server_dropped_is_replaced_on_the_next_request():
    """A kept connection (CONN_MAX_AGE) the server terminated (a restart, a failover) fails its
    health check at the next request's first query, prepared or not, and is replaced."""
    import psycopg
    from django.core.signals import request_finished, request_started

    from spotcheck.public.cache import read_portal_state

    read_portal_state()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    request_finished.send(sender=None)  # the connection is kept
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dropped])
    request_started.send(sender=None)
    read_portal_state()  # the page's first query: no error
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
