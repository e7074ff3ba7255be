"""RedVest services: each one a process with its own database; none imports another."""
