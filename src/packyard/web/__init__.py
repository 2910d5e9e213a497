"""The web console: server-rendered pages over the services' read and write use cases."""
