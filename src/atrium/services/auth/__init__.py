"""Authentication use cases: password rules and hashing, access tokens."""
