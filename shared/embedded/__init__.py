"""The embedded infrastructure (real nats-server + nx-27017) for `make up` and the tests."""
