"""Checking the contact details an applicant types: e-mail addresses and phone numbers."""

from __future__ import annotations

import re

import phonenumbers

from bot.i18n import N_

LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
BAD_EMAIL = N_("That does not look like an e-mail address; it should look like name@example.com.")
BAD_PHONE = N_("That does not look like a phone number; please write it with the country code, "
               "for example +44 20 7946 0958.")


def email(typed: str) -> str | None:
    """The address, lower-cased domain, if ``typed`` is a deliverable-looking e-mail address.

    RFC 5321's shape without quoted local parts or IP literals (which no one types in a chat);
    an internationalised domain is accepted through its IDNA form.
    """
    value = typed.strip()
    if len(value) > 254 or value.count("@") != 1 or any(c.isspace() for c in value):
        return None
    local, domain = value.split("@")
    if not LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        return None
    if not re.fullmatch(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", labels[-1]):
        return None
    return f"{local}@{domain.lower()}"


def phone(typed: str) -> str | None:
    """The number in E.164 (``+4420...``) if ``typed`` is a valid number with a country code."""
    value = typed.strip()
    if len(value) > 32:
        return None
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
