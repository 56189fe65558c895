"""The HTTP edge: the app, its endpoints, the OpenAPI contract, what a running service holds."""
