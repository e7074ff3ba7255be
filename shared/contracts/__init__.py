"""What services agree on: subjects, the CloudEvents envelope, event and command schemas."""
