import common  # noqa: F401  (first: threads, no eventlet)
