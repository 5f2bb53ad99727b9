"""Upstander: a Discord moderation bot that speaks up, privately and consistently."""

__version__ = "0.1.0"
