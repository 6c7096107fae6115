"""The power actions nova-compute runs, as tables: what each records,
the task and vm states it goes through and the power state it leaves.

The manager runs them; the start-up reconciliation reads them to finish
or rerun an action a previous nova-compute left half-done.
"""

import typing

from common import states


class PowerAction(typing.NamedTuple):
    """A power action as the compute runs it: its instance action event
    (Nova's names), the task_state the API set, the one it moves to
    while the driver works (reboots, as Nova's *_started), and the
    vm_state and guest power state it ends in."""

    event: str
    task_state: str
    vm_state: str
    working_task_state: typing.Optional[str] = None
    error_unless_running: bool = False
    power_state: int = states.RUNNING

    @property
    def current_task_state(self):
        return self.working_task_state or self.task_state


STOP = PowerAction('compute_stop_instance', states.POWERING_OFF,
                   states.STOPPED, power_state=states.SHUTDOWN)
START = PowerAction('compute_start_instance', states.POWERING_ON,
                    states.ACTIVE)
REBOOT_SOFT = PowerAction('compute_reboot_instance', states.REBOOTING,
                          states.ACTIVE, states.REBOOT_STARTED, True)
REBOOT_HARD = PowerAction('compute_reboot_instance', states.REBOOTING_HARD,
                          states.ACTIVE, states.REBOOT_STARTED_HARD, True)
PAUSE = PowerAction('compute_pause_instance', states.PAUSING, states.PAUSED,
                    power_state=states.PAUSED_POWER)
UNPAUSE = PowerAction('compute_unpause_instance', states.UNPAUSING,
                      states.ACTIVE)
SUSPEND = PowerAction('compute_suspend_instance', states.SUSPENDING,
                      states.SUSPENDED, power_state=states.SUSPENDED_POWER)
RESUME = PowerAction('compute_resume_instance', states.RESUMING,
                     states.ACTIVE)
# How a start-up runs an interrupted action again: its RPC method.
RERUN = {
    STOP: ('stop_instance',), START: ('start_instance',),
    REBOOT_SOFT: ('reboot_instance', 'SOFT'),
    REBOOT_HARD: ('reboot_instance', 'HARD'),
    PAUSE: ('pause_instance',), UNPAUSE: ('unpause_instance',),
    SUSPEND: ('suspend_instance',), RESUME: ('resume_instance',),
}
# The task states a power action leaves if nova-compute dies in it.
INTERRUPTED_ACTIONS = {
    task_state: action for action in RERUN
    for task_state in (action.task_state, action.working_task_state)
    if task_state}
STOP_ACTION = 'stop'
