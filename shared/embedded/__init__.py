"""The embedded infrastructure (real nats-server + nx-27017) and the process supervisor, for
`make up` (tools/up.py) and the tests."""
