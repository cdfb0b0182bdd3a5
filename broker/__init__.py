"""Palermo broker service."""
