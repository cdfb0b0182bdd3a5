"""Palermo authority side: endpoint library, gateway, CLI."""
