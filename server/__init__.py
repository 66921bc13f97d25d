"""The central server: durable event log, sessions, commands and fan-out over WebSockets."""
