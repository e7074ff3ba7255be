"""The registry: the "1+3+N" organisation, members, teams, volunteer records, star levels."""
