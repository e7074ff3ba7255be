"""Contracts (events, commands, subjects, envelope) and plumbing shared by every RedVest service."""
