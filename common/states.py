"""A server's states, as Nova stores and shows them.

``vm_state`` is where the server rests, ``task_state`` what is being done
to it right now (None when nothing), ``power_state`` what the hypervisor
last said.  The API shows one ``status`` derived from the first two
(``status_from_state``).  The values are stored in the cell databases
and shown by the API, so they are Nova's and must not change.
"""

# --- vm_state ---------------------------------------------------------------
ACTIVE = 'active'
BUILDING = 'building'
PAUSED = 'paused'
SUSPENDED = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
RESIZED = 'resized'
SOFT_DELETED = 'soft-delete'
DELETED = 'deleted'
ERROR = 'error'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

# --- task_state -------------------------------------------------------------
SCHEDULING = 'scheduling'
BLOCK_DEVICE_MAPPING = 'block_device_mapping'
NETWORKING = 'networking'
SPAWNING = 'spawning'
IMAGE_SNAPSHOT = 'image_snapshot'
IMAGE_SNAPSHOT_PENDING = 'image_snapshot_pending'
IMAGE_PENDING_UPLOAD = 'image_pending_upload'
IMAGE_UPLOADING = 'image_uploading'
IMAGE_BACKUP = 'image_backup'
UPDATING_PASSWORD = 'updating_password'
RESIZE_PREP = 'resize_prep'
RESIZE_MIGRATING = 'resize_migrating'
RESIZE_MIGRATED = 'resize_migrated'
RESIZE_FINISH = 'resize_finish'
RESIZE_REVERTING = 'resize_reverting'
RESIZE_CONFIRMING = 'resize_confirming'
REBOOTING = 'rebooting'
REBOOT_PENDING = 'reboot_pending'
REBOOT_STARTED = 'reboot_started'
REBOOTING_HARD = 'rebooting_hard'
REBOOT_PENDING_HARD = 'reboot_pending_hard'
REBOOT_STARTED_HARD = 'reboot_started_hard'
PAUSING = 'pausing'
UNPAUSING = 'unpausing'
SUSPENDING = 'suspending'
RESUMING = 'resuming'
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'
RESCUING = 'rescuing'
UNRESCUING = 'unrescuing'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'
MIGRATING = 'migrating'
DELETING = 'deleting'
SOFT_DELETING = 'soft-deleting'
RESTORING = 'restoring'
SHELVING = 'shelving'
SHELVING_IMAGE_PENDING_UPLOAD = 'shelving_image_pending_upload'
SHELVING_IMAGE_UPLOADING = 'shelving_image_uploading'
SHELVING_OFFLOADING = 'shelving_offloading'
UNSHELVING = 'unshelving'

# Tasks that keep a host's disks busy: the scheduler's IoOpsFilter and
# IoOpsWeigher count them per host.
IO_TASK_STATES = frozenset((
    SCHEDULING, BLOCK_DEVICE_MAPPING, NETWORKING, SPAWNING, RESIZE_MIGRATING,
    REBUILDING, REBUILD_SPAWNING, IMAGE_SNAPSHOT, IMAGE_BACKUP, RESCUING,
    UNSHELVING))

# --- power_state (what the hypervisor reports) -------------------------------
NOSTATE = 0x00
RUNNING = 0x01
PAUSED_POWER = 0x03
SHUTDOWN = 0x04
CRASHED = 0x06
SUSPENDED_POWER = 0x07

# --- the API's status -------------------------------------------------------
_DEFAULT = 'default'
_REBUILD = {REBUILDING: 'REBUILD', REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
            REBUILD_SPAWNING: 'REBUILD'}
_RESIZE = {RESIZE_PREP: 'RESIZE', RESIZE_MIGRATING: 'RESIZE',
           RESIZE_MIGRATED: 'RESIZE', RESIZE_FINISH: 'RESIZE'}
# vm_state -> {task_state or _DEFAULT: status}
_STATUS = {
    ACTIVE: {
        _DEFAULT: 'ACTIVE',
        REBOOTING: 'REBOOT', REBOOT_PENDING: 'REBOOT',
        REBOOT_STARTED: 'REBOOT', REBOOTING_HARD: 'HARD_REBOOT',
        REBOOT_PENDING_HARD: 'HARD_REBOOT',
        REBOOT_STARTED_HARD: 'HARD_REBOOT',
        UPDATING_PASSWORD: 'PASSWORD', MIGRATING: 'MIGRATING',
        **_REBUILD, **_RESIZE},
    BUILDING: {_DEFAULT: 'BUILD'},
    STOPPED: {_DEFAULT: 'SHUTOFF', **_REBUILD, **_RESIZE},
    RESIZED: {_DEFAULT: 'VERIFY_RESIZE', RESIZE_REVERTING: 'REVERT_RESIZE'},
    PAUSED: {_DEFAULT: 'PAUSED', MIGRATING: 'MIGRATING'},
    SUSPENDED: {_DEFAULT: 'SUSPENDED'},
    RESCUED: {_DEFAULT: 'RESCUE'},
    ERROR: {_DEFAULT: 'ERROR', **_REBUILD},
    DELETED: {_DEFAULT: 'DELETED'},
    SOFT_DELETED: {_DEFAULT: 'SOFT_DELETED'},
    SHELVED: {_DEFAULT: 'SHELVED'},
    SHELVED_OFFLOADED: {_DEFAULT: 'SHELVED_OFFLOADED'},
}


def status_from_state(vm_state, task_state=None):
    """The API's ``status`` of a server in ``vm_state``/``task_state``."""
    by_task = _STATUS.get(vm_state)
    if by_task is None:
        return 'UNKNOWN'
    return by_task.get(task_state, by_task[_DEFAULT])


def states_from_status(status):
    """(vm_states, task_states) a ``status`` filter selects.

    ``task_states`` is None when any task state counts: a status that is
    a vm_state's default (ACTIVE) also covers the task states that keep
    it (an active server being deleted is still ACTIVE).  Both are empty
    for an unknown status: it matches nothing.
    """
    vm_states, task_states, any_task = set(), set(), False
    for vm_state, by_task in _STATUS.items():
        for task_state, shown in by_task.items():
            if shown.lower() != status.lower():
                continue
            vm_states.add(vm_state)
            if task_state == _DEFAULT:
                any_task = True
            else:
                task_states.add(task_state)
    return sorted(vm_states), (None if any_task else sorted(task_states))
