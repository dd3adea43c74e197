"""Builds the greenlight policy pack; the rules live in greenlight_policies (importable alone)."""

from greenlight_policies import build_pack

build_pack()
