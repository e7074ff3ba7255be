"""The admin gateway: the only door for people and outside systems; talks to services over NATS."""
