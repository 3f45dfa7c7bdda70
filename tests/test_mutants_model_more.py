"""Tests written for the mutation run's survivors (docs/testing.md, "Mutation testing")."""
