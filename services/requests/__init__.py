"""Residents' requests (诉求) and micro-wishes: intake, dispatch, deadlines, follow-up."""
