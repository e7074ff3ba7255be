"""Activities: plan, publish, sign up with waitlists, check in, credit hours."""
