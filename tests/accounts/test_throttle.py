"""Login throttling: per username+IP (axes) and per IP across usernames (password spraying)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from spotcheck.accounts.models import Role, User
from spotcheck.accounts.throttle import client_ip

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "right-password-123"


@pytest.fixture
def users(agency) -> list[User]:
    return [
        User.objects.create_user(
            username=f"user{i:02d}", password=PASSWORD, role=Role.INSPECTOR, agency=agency
        )
        for i in range(25)
    ]


def login(client, username, password, ip="203.0.113.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def spray(client, users, count, ip="203.0.113.7", **extra):
    """One wrong password for each of `count` usernames: no username is tried twice. Returns
    the last response (the failure that reaches the limit is already answered with 429)."""
    response = None
    for n, user in enumerate(users[:count], start=1):
        response = login(client, user.username, "Spring2026!", ip=ip, **extra)
        if n < count:
            assert response.status_code == 200  # the login form again, not locked
    return response


def test_spraying_one_password_over_many_usernames_locks_the_address(client, users):
    assert spray(client, users, 20).status_code == 429
    response = login(client, users[24].username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_below_the_address_limit_logins_still_work(client, users):
    assert spray(client, users, 19).status_code == 200
    assert login(client, users[24].username, PASSWORD).status_code == 302


def test_the_lock_is_per_address(client, users):
    spray(client, users, 20)
    assert login(client, users[24].username, PASSWORD, ip="198.51.100.9").status_code == 302


def test_the_address_limit_is_a_setting(client, users, settings):
    settings.SPOTCHECK_IP_FAILURE_LIMIT = 3
    spray(client, users, 3)
    assert login(client, users[24].username, PASSWORD).status_code == 429


def test_the_address_lock_ends_after_the_cool_off(client, users):
    spray(client, users, 20)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=2))
    assert login(client, users[24].username, PASSWORD).status_code == 302


def test_the_username_and_address_lock_is_kept(client, users):
    for _ in range(5):
        login(client, users[0].username, "wrong")
    assert login(client, users[0].username, PASSWORD).status_code == 429
    assert login(client, users[1].username, PASSWORD).status_code == 302


def test_behind_a_proxy_each_client_is_counted_by_forwarded_address(client, users, settings):
    settings.SPOTCHECK_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"
    spray(client, users, 20, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = login(client, users[24].username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.5")
    assert other.status_code == 302
    client.logout()
    # The sprayer cannot escape by sending its own X-Forwarded-For: the proxy appends.
    spoofed = login(
        client, users[24].username, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7"
    )
    assert spoofed.status_code == 429


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "1.1.1.1", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        (2, "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.SPOTCHECK_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
