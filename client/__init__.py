"""The cockpit's link to the server: a headless session (no Qt), its local cache and outbox.

`client.qtlink` is the thin QObject bridge the cockpit uses; nothing else here imports Qt.
"""
