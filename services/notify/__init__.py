"""Notifications: who hears what, on which channel, exactly once, never at night."""
