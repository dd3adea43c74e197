"""Grammars of what settings point at outside the cluster: URLs, S3 buckets and paths, regions, channels.

A value copied from a template (``https://<your-endpoint>``, ``${BUCKET}``, ``{{ .Values.x }}``) is not a
URL anyone can reach: placeholders are refused with the setting's name.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

PLACEHOLDER = re.compile(r"<[^>]*>|\$\{[^}]*\}|\{\{.*?\}\}|\bCHANGE_?ME\b|\bTODO\b|\bYOUR[_-]", re.IGNORECASE)
HOST = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$")
URL_ALLOWED = "an http(s) URL with a host (no placeholders, no user:password@)"
HTTPS_URL_ALLOWED = "an https URL with a host (no placeholders, no user:password@)"


def url_ok(value: str, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """A URL a client can call: scheme, host (name or IP), optional port and path; no credentials in it."""
    if PLACEHOLDER.search(value) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:  # a port that is not a number
        return False
    host = parts.hostname or ""
    return (
        parts.scheme in schemes and port_ok and "@" not in parts.netloc and bool(HOST.fullmatch(host) or _is_ip(host))
    )


def https_url_ok(value: str) -> bool:
    return url_ok(value, ("https",))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# --- S3 (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, general purpose buckets) ---
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
BUCKET_ALLOWED = "an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens; not a URL, not an IP address)"
S3_PATH_ALLOWED = "s3://<bucket>/<optional path> with a valid bucket name"


def bucket_ok(value: str) -> bool:
    return (
        bool(BUCKET.fullmatch(value))
        and ".." not in value
        and not _is_ip(value)
        and not value.startswith(BUCKET_RESERVED_PREFIXES)
        and not value.endswith(BUCKET_RESERVED_SUFFIXES)
    )


def s3_path_ok(value: str) -> bool:
    """`s3://bucket` or `s3://bucket/path`: what barman-cloud takes as a destination path."""
    if not value.startswith("s3://") or PLACEHOLDER.search(value):
        return False
    bucket, _, path = value[len("s3://") :].partition("/")
    return bucket_ok(bucket) and "//" not in path and not any(c.isspace() for c in path)


# AWS regions (us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5); S3-compatible stores take any such name.
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
REGION_ALLOWED = "a region name such as us-east-1 or eu-central-1"

# Slack: a channel name (#, then up to 80 lowercase letters, digits, -, _ or .) or a channel id (C0123ABCD).
SLACK_CHANNEL = re.compile(r"^#[a-z0-9_][a-z0-9._-]{0,79}$|^[CG][A-Z0-9]{8,}$")
SLACK_CHANNEL_ALLOWED = "a Slack channel such as #payments-alerts (lowercase) or a channel id such as C0123ABCD"
