"""The web console: server-rendered pages over the services' use cases."""
