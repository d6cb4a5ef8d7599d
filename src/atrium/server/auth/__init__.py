"""Authentication and the route-by-route permission decisions of ``--app-name basic-auth``."""
