"""The domain: cases, their state machine, SLA rules, the street and the shared reducer.

Nothing in this package imports Qt or does network I/O, so the server, the cockpit,
benchmarks and headless tests all use it as it is.
"""
