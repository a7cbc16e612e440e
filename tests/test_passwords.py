"""Passwords: at least 12 characters, and none from the common-password list, also
when digits and symbols are stuck on its ends."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from papers.password_validation import CommonPasswordVariantValidator, variants


@pytest.mark.parametrize(
    "password",
    [
        "password123!",
        "Password123!",
        "!!qwerty2024",
        "iloveyou1234!",
        "  dragon-1999 ",
        "password1234",  # in the list as typed
    ],
)
def test_common_passwords_with_digits_and_symbols_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        CommonPasswordVariantValidator().validate(password)
    assert refused.value.error_list[0].code == "password_too_common"


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "dragon-in-the-garden-42", "Vq7!mZr2#pLx"],
)
def test_uncommon_passwords_pass_the_common_check(password):
    CommonPasswordVariantValidator().validate(password)


def test_variants_trim_digits_and_symbols_at_the_ends_only():
    assert variants("Pass-word123!") >= {"pass-word123!", "pass-word123", "pass-word"}
    assert variants("1234!!") == {"1234!!", "1234"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123!", "too common"),
        ("tiny-Pass9!", "at least 12 characters"),
    ],
)
def test_the_site_refuses_short_and_common_passwords(password, message):
    with pytest.raises(ValidationError, match=message):
        validate_password(password)


def test_a_long_uncommon_password_is_accepted():
    validate_password("correct horse battery staple")


@pytest.mark.django_db
def test_signup_refuses_password123_with_a_message(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "ada",
            "email": "ada@example.org",
            "password1": "password123!",
            "password2": "password123!",
        },
    )
    assert response.status_code == 400
    assert "This password is too common." in response.text
