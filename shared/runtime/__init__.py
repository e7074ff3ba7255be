"""Running a service process: connections, start-up order, health, metrics, graceful stop."""
