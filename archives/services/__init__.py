"""Writes of the archive stage, one transaction each (docs/architecture.md)."""
