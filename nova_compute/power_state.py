"""Power states of a guest as the hypervisor reports them.

The values are Nova's: they are stored in ``instances.power_state`` and
shown by the API as ``OS-EXT-STS:power_state``, so they must not change.
"""

NOSTATE = 0x00
RUNNING = 0x01
PAUSED = 0x03
SHUTDOWN = 0x04
CRASHED = 0x06
SUSPENDED = 0x07
