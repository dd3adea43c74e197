"""Offline preview: the Pulumi program under the mock runtime, judged by the real policy pack."""
