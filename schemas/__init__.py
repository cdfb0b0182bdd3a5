"""Palermo protocol: message kinds, canonical encoding, the signed and encrypted envelope."""
