"""When does an environment variable carry a credential in plaintext? One rule, used by the policy pack
(literal-secret-env) and by greenlight's settings (app.env), so the two never disagree.

This module imports nothing but `re`: the pack must stay self-contained (`pulumi policy publish`
uploads only this directory), and components/settings/credentials.py loads this very file.

A variable is a plaintext credential when its value is a literal (not empty, not a `$(VAR)` reference)
and either its name names a credential or its value looks like one:
- the name: its last word is a credential word (DB_PASSWORD, GITHUB_TOKEN, CLIENT_SECRET), or its last
  two words are a kind of key (API_KEY, AWS_SECRET_ACCESS_KEY, PAGERDUTY_ROUTING_KEY). A name that merely
  contains such a word names something else: TOKEN_TTL, MAX_TOKENS, KEYCLOAK_URL, CACHE_KEY,
  TLS_SECRET_NAME, PASSWORD_FILE (where a secret is, not the secret).
- the value: a URL with a password in it, or a token with a vendor's published prefix.
"""

from __future__ import annotations

import re

CREDENTIAL_WORDS = frozenset(
    {"PASSWORD", "PASSWD", "PWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS"}
)
# <qualifier>_KEY is a credential for these qualifiers; CACHE_KEY, SORT_KEY or PRIMARY_KEY are not.
KEY_QUALIFIERS = frozenset(
    {"API", "SECRET", "PRIVATE", "ACCESS", "SIGNING", "ENCRYPTION", "MASTER", "AUTH", "ROUTING", "CLIENT", "LICENSE"}
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z][a-z0-9]*|[0-9]+")  # DB_PASSWORD, apiKey, HTTPServer
# scheme://user:password@host — credentials in a URL, whatever the variable is called.
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:\s]*:(?P<password>[^/@\s]+)@", re.IGNORECASE)
# $(VAR): the kubelet fills it in from another variable (e.g. one from a secretKeyRef).
ENV_REFERENCE = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")
# Published token formats: AWS access key ids, GitHub tokens, Slack tokens and webhooks, PEM private keys.
TOKEN_FORMATS = re.compile(
    r"^(AKIA|ASIA)[0-9A-Z]{16}$"
    r"|^gh[pousr]_[A-Za-z0-9]{36,}$"
    r"|^github_pat_[A-Za-z0-9_]{22,}$"
    r"|^xox[abposr]-[A-Za-z0-9-]{10,}$"
    r"|^https://hooks\.slack\.com/services/\S+$"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def words(name: str) -> list[str]:
    """DB_PASSWORD -> [DB, PASSWORD]; apiKey -> [API, KEY]."""
    return [w.upper() for part in re.split(r"[_.\-]", name) for w in _WORDS.findall(part)]


def names_a_credential(name: str) -> bool:
    parts = words(name)
    if not parts:
        return False
    if parts[-1] in CREDENTIAL_WORDS:
        return True
    return parts[-1] == "KEY" and len(parts) > 1 and parts[-2] in KEY_QUALIFIERS


def looks_like_a_credential(value: str) -> bool:
    url = URL_WITH_PASSWORD.search(value)
    if url is not None and not ENV_REFERENCE.fullmatch(url.group("password")):
        return True
    return bool(TOKEN_FORMATS.search(value))


def is_plaintext_credential(name: str, value: str) -> bool:
    if not value or ENV_REFERENCE.fullmatch(value):
        return False
    return names_a_credential(name) or looks_like_a_credential(value)
