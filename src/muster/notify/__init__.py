"""Turning outbox rows into messages and delivering them through Apprise."""
