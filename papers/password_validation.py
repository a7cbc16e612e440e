"""Refuse common passwords dressed up with digits and symbols ("password123!").

Django's CommonPasswordValidator checks the password as typed against a list of
about 20,000 leaked passwords, and sites demanding a digit and a symbol get exactly
those: a listed word with "1!" or "123!" around it. This validator also checks the
password with the digits, punctuation and spaces at either end taken off.
"""

from __future__ import annotations

import string

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

_DECORATION = string.digits + string.punctuation + string.whitespace


def variants(password: str) -> set[str]:
    """The password as Django compares it (lower case, trimmed), and its core."""
    typed = password.lower().strip()
    candidates = {
        typed,
        typed.rstrip(_DECORATION),
        typed.lstrip(_DECORATION),
        typed.strip(_DECORATION),
        typed.rstrip(string.punctuation + string.whitespace),
    }
    return {candidate for candidate in candidates if candidate}


class CommonPasswordVariantValidator(CommonPasswordValidator):
    def validate(self, password: str, user=None) -> None:
        if any(candidate in self.passwords for candidate in variants(password)):
            raise ValidationError(self.get_error_message(), code="password_too_common")
