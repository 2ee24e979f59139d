"""Huge page numbers: pages clamp, the API answers 422 (never a 500)."""

import pytest

from spotcheck.paging import MAX_PAGE, page_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        ("0", 1),
        ("-5", 1),
        ("abc", 1),
        ("٣", 1),  # a non-ASCII digit
        ("10000", MAX_PAGE),
        ("10001", MAX_PAGE),
        ("9" * 40, MAX_PAGE),
    ],
)
def test_page_number_is_clamped(raw, expected):
    assert page_number(raw) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "10001"])
@pytest.mark.parametrize("name", ["registry:entities", "registry:inspectors"])
def test_directory_pages_clamp_huge_page_numbers(client, supervisor, demo_directory, page, name):
    from django.urls import reverse

    client.force_login(supervisor)
    response = client.get(reverse(name), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == MAX_PAGE


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "10001"])
@pytest.mark.parametrize("url", ["/api/v1/registry/entities", "/api/v1/registry/inspectors"])
def test_api_refuses_huge_page_numbers_with_422(client, supervisor, demo_directory, page, url):
    client.force_login(supervisor)
    response = client.get(url, {"page": page})
    assert response.status_code == 422
    assert client.get(url, {"page": MAX_PAGE}).json()["items"] == []
