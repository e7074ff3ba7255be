"""Accounts of people and outside systems: roles, scopes, passwords, tokens, API keys."""
