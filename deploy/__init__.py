"""Deployment assets of the safety monitor (not part of the installed package)."""
