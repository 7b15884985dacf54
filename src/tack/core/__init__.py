"""Kernel shared by every domain; imports nothing from tack.*."""
