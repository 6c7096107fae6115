"""Options of nova-compute: [DEFAULT] ones kept for Nova compatibility,
and the [compute] group.

Capacity options (reserved resources, allocation ratios) are read by the
resource tracker when it reports inventory to placement, so they decide
what the scheduler believes a host can take.
"""

from oslo_config import cfg

compute_group = cfg.OptGroup(
    'compute',
    title='Compute service options',
    help='Options read by the nova-compute service only.')

driver_opts = [
    cfg.StrOpt(
        'compute_driver',
        help="""
Virtualization driver nova-compute uses to run instances. There is no
default: every compute host must choose one.

Possible values:

* ``libvirt.LibvirtDriver``: KVM or QEMU guests through libvirt.
* ``fake.FakeDriver``: simulated hosts and instances, for development
  and for scale tests that need no hypervisor (see the [fake] group).
"""),
    cfg.StrOpt(
        'instances_path',
        default='$state_path/instances',
        help="""
Directory holding the disks and other files of the instances on this
host. Point it at shared storage (NFS) to let instances move between
hosts without copying their disks.
"""),
    cfg.BoolOpt(
        'use_cow_images',
        default=True,
        help="""
Give instances copy-on-write (qcow2) disks on top of cached base images
instead of full copies. Turning it off costs disk space and boot time
but removes the dependency on a shared backing file.
"""),
    cfg.StrOpt(
        'default_ephemeral_format',
        help="""
File system created on ephemeral disks when the request does not name
one, e.g. ``ext4`` or ``xfs``. When unset the driver's choice is used.
"""),
    cfg.BoolOpt(
        'allow_resize_to_same_host',
        default=False,
        help="""
Let a resize pick the instance's current host as its destination.
Useful on single-host test clouds, where a resize would otherwise find
no destination at all.
"""),
]

resource_opts = [
    cfg.IntOpt(
        'reserved_host_disk_mb',
        default=0,
        min=0,
        help="""
Disk space, in MiB, kept back for the host and never offered to
instances. Raise it when the instances' file system is shared with the
host's own data.
"""),
    cfg.IntOpt(
        'reserved_host_memory_mb',
        default=512,
        min=0,
        help="""
Memory, in MiB, kept back for the host's own processes (hypervisor,
agents) and never offered to instances. Raise it if the host swaps or
the kernel kills processes under load.
"""),
    cfg.IntOpt(
        'reserved_host_cpus',
        default=0,
        min=0,
        help="""
Number of host CPUs kept back for host processes, reported to placement
as reserved. It cannot be combined with ``[compute] cpu_shared_set`` or
``[compute] cpu_dedicated_set``, which reserve whatever they leave out.
"""),
    cfg.FloatOpt(
        'cpu_allocation_ratio',
        default=None,
        min=0.0,
        help="""
Virtual CPUs offered per physical CPU, applied to the VCPU inventory in
placement on every update. When unset (or 0.0) the ratio already in
placement is left alone, so it can be managed through the placement API;
new hosts start from ``initial_cpu_allocation_ratio``.
"""),
    cfg.FloatOpt(
        'ram_allocation_ratio',
        default=None,
        min=0.0,
        help="""
Virtual memory offered per MiB of physical memory, applied to the
MEMORY_MB inventory in placement. When unset (or 0.0) the ratio in
placement is kept; new hosts start from ``initial_ram_allocation_ratio``.
"""),
    cfg.FloatOpt(
        'disk_allocation_ratio',
        default=None,
        min=0.0,
        help="""
Virtual disk offered per GiB of physical disk, applied to the DISK_GB
inventory in placement. Above 1.0 it over-commits sparse disks; below
1.0 it keeps part of the disk free. When unset (or 0.0) the ratio in
placement is kept; new hosts start from
``initial_disk_allocation_ratio``.
"""),
    cfg.FloatOpt(
        'initial_cpu_allocation_ratio',
        default=16.0,
        min=0.0,
        help="""
VCPU allocation ratio given to a compute node when its record is first
created. Later changes have no effect on existing nodes; use
``cpu_allocation_ratio`` or the placement API for those.
"""),
    cfg.FloatOpt(
        'initial_ram_allocation_ratio',
        default=1.5,
        min=0.0,
        help="""
MEMORY_MB allocation ratio given to a compute node when its record is
first created. Use ``ram_allocation_ratio`` to change existing nodes.
"""),
    cfg.FloatOpt(
        'initial_disk_allocation_ratio',
        default=1.0,
        min=0.0,
        help="""
DISK_GB allocation ratio given to a compute node when its record is
first created. Use ``disk_allocation_ratio`` to change existing nodes.
"""),
]

manager_opts = [
    cfg.BoolOpt(
        'resume_guests_state_on_host_boot',
        default=False,
        help="""
Restart, when nova-compute starts after a host reboot, the instances
that were running before it. Leave off if the hypervisor restarts
guests itself or operators prefer to start them by hand.
"""),
    cfg.IntOpt(
        'max_concurrent_builds',
        default=10,
        min=0,
        help="""
How many instance builds one nova-compute runs at the same time; the
others wait their turn. Limits the load of image downloads and disk
creation on the host. Zero means no limit.
"""),
    cfg.IntOpt(
        'max_concurrent_snapshots',
        default=5,
        min=0,
        help="""
How many instance snapshots one nova-compute takes at the same time, so
snapshots do not saturate the host, network or image store. Zero means
no limit.
"""),
    cfg.IntOpt(
        'max_concurrent_live_migrations',
        default=1,
        min=0,
        help="""
How many outgoing live migrations one nova-compute runs at the same
time. Raising it can starve each migration of bandwidth so none of them
converge. Zero means no limit.
"""),
    cfg.BoolOpt(
        'vif_plugging_is_fatal',
        default=True,
        help="""
Fail the build when the network service does not confirm in time that
the instance's ports are wired. When False the instance boots anyway,
possibly without network connectivity.
"""),
    cfg.IntOpt(
        'vif_plugging_timeout',
        default=300,
        min=0,
        help="""
Seconds to wait for the network service to confirm the instance's ports
are wired. Zero means no wait.
"""),
    cfg.BoolOpt(
        'enable_new_services',
        default=True,
        help="""
Register new nova-compute services enabled. Set to False to add hosts
disabled and enable them by hand once they have been checked.
"""),
    cfg.StrOpt(
        'instance_name_template',
        default='instance-%08x',
        help="""
Template of the internal name given to instances on the hypervisor
(not the display name users choose). It is filled from the instance
record, e.g. ``instance-%(uuid)s``. Changing it on a deployment with
existing instances breaks the link to their domains.
"""),
    cfg.StrOpt(
        'multi_instance_display_name_template',
        default='%(name)s-%(count)d',
        help="""
Display name of each server of a multiple create (``min_count`` or
``max_count`` above 1), filled from ``name``, ``count`` (1-based) and
``uuid``. The servers' hostnames are derived from these names too.
"""),
    cfg.IntOpt(
        'password_length',
        default=12,
        min=0,
        help="""
Length of the administrator password generated for a server whose
create request gives none (shown as ``adminPass`` when
``[api] enable_instance_password`` is set).
"""),
    cfg.BoolOpt(
        'force_config_drive',
        default=False,
        help="""
Give every server a config drive, whether its create request asks for
one or not.
"""),
    cfg.StrOpt(
        'default_schedule_zone',
        help="""
Availability zone a server is scheduled to when its create request
names none. Unset (the default), a server may land in any zone.
"""),
]

interval_opts = [
    cfg.IntOpt(
        'sync_power_state_interval',
        default=600,
        help="""
Seconds between comparisons of the power state the hypervisor reports
with the one in the database; instances found off or on unexpectedly
are brought back to their recorded state. Zero runs the task at the
default periodic interval, a negative value disables it.
"""),
    cfg.IntOpt(
        'sync_power_state_pool_size',
        default=1000,
        min=1,
        help="""
How many instances the power-state sync compares with the hypervisor
at the same time. Lower it to spare a hypervisor (or the service behind
it) that answers slowly under many concurrent requests.
"""),
    cfg.IntOpt(
        'heal_instance_info_cache_interval',
        default=60,
        help="""
Seconds between refreshes of each instance's cached network
information from the network service. A stale cache makes the API and
the metadata service report wrong addresses. Zero or less disables the
refresh.
"""),
    cfg.IntOpt(
        'reclaim_instance_interval',
        default=0,
        help="""
Above zero, deleting a server only soft-deletes it; it can be restored
for that many seconds, after which a periodic task deletes it for good.
Must be set on the API and compute hosts alike.
"""),
    cfg.IntOpt(
        'update_resources_interval',
        default=0,
        help="""
Seconds between audits of the host's resources, which refresh the
compute node record and the inventory in placement. Zero runs the audit
at the default periodic interval, a negative value disables it.
"""),
    cfg.IntOpt(
        'instance_delete_interval',
        default=300,
        help="""
Seconds between retries of instance file deletions that failed. Zero
uses the default periodic interval, a negative value disables retries.
"""),
    cfg.IntOpt(
        'maximum_instance_delete_attempts',
        default=5,
        min=1,
        help='How many times to try deleting an instance\'s files.'),
]

timeout_opts = [
    cfg.IntOpt(
        'reboot_timeout',
        default=0,
        min=0,
        help="""
Seconds after which an instance stuck in a soft reboot is hard
rebooted. Zero disables the check.
"""),
    cfg.IntOpt(
        'instance_build_timeout',
        default=0,
        min=0,
        help="""
Seconds an instance may stay in BUILD before it is put in ERROR, so a
lost build does not stay pending forever. Zero disables the check.
"""),
    cfg.IntOpt(
        'rescue_timeout',
        default=0,
        min=0,
        help="""
Seconds after which an instance left in RESCUE is unrescued. Zero
disables the check.
"""),
    cfg.IntOpt(
        'resize_confirm_window',
        default=0,
        min=0,
        help="""
Seconds after which a finished resize or migration is confirmed on the
user's behalf, freeing the resources held on the source host. Zero
leaves confirmation to the user.
"""),
    cfg.IntOpt(
        'shutdown_timeout',
        default=60,
        min=0,
        help="""
Seconds an instance is given to shut down cleanly (stop, shelve,
rescue, rebuild) before it is powered off. Zero powers it off at once.
An image can ask for another value with ``os_shutdown_timeout``.
"""),
]

running_deleted_opts = [
    cfg.StrOpt(
        'running_deleted_instance_action',
        default='reap',
        choices=[
            ('reap', 'power the instance off and delete it'),
            ('log', 'only log a warning'),
            ('shutdown', 'power it off and keep it for inspection'),
            ('noop', 'do nothing'),
        ],
        help="""
What to do with instances still running on the hypervisor although
deleted in the database (left over after a failure during delete).
"""),
    cfg.IntOpt(
        'running_deleted_instance_poll_interval',
        default=1800,
        help="""
Seconds between searches for running instances that are deleted in
the database. Zero disables the search.
"""),
    cfg.IntOpt(
        'running_deleted_instance_timeout',
        default=0,
        help="""
Seconds an instance must have been deleted in the database before the
search above acts on it.
"""),
]

compute_group_opts = [
    cfg.IntOpt(
        'consecutive_build_service_disable_threshold',
        default=10,
        help="""
Number of failed builds in a row after which this host reports its
failures to the scheduler, whose build failure weigher then pushes work
to other hosts. Zero disables the reporting.
"""),
    cfg.IntOpt(
        'shutdown_retry_interval',
        default=10,
        min=1,
        help="""
Seconds between two ACPI shutdown requests sent to a guest that has not
stopped yet; the whole wait is bounded by ``shutdown_timeout``.
"""),
    cfg.IntOpt(
        'resource_provider_association_refresh',
        default=300,
        min=0,
        mutable=True,
        help="""
Seconds after which nova-compute refreshes its cached copy of its
resource providers' inventories, aggregates and traits from placement.
Zero never refreshes (SIGHUP still clears the cache).
"""),
    cfg.StrOpt(
        'cpu_shared_set',
        help="""
Host CPUs, e.g. ``4-12,^8,15``, that back VCPU inventory: where
unpinned instances and shared emulator threads run.
"""),
    cfg.StrOpt(
        'cpu_dedicated_set',
        help="""
Host CPUs, e.g. ``4-12,^8,15``, that back PCPU inventory: where pinned
instances run, one guest CPU per host CPU.
"""),
    cfg.BoolOpt(
        'live_migration_wait_for_vif_plug',
        default=True,
        help="""
Wait for the network service to confirm the ports are wired on the
destination before transferring a live-migrating guest. Turn off for
network backends that never send that event. Read on the destination.
"""),
    cfg.IntOpt(
        'max_concurrent_disk_ops',
        default=0,
        min=0,
        help="""
How many disk-heavy operations (image downloads, conversions) run at
once on this host. Lower it if they make the host unresponsive. Zero
means no limit.
"""),
    cfg.IntOpt(
        'max_disk_devices_to_attach',
        default=-1,
        min=-1,
        help="""
Maximum number of disks one server may have attached on this host,
checked on create, rebuild, unshelve, live migration and volume attach.
-1 means no limit; 0 is invalid and stops nova-compute from starting.
"""),
    cfg.StrOpt(
        'provider_config_location',
        default='/etc/nova/provider_config/',
        help="""
Directory of YAML files describing extra inventory and traits to add to
this host's resource providers.
"""),
    cfg.ListOpt(
        'image_type_exclude_list',
        default=[],
        help="""
Image disk formats (``raw``, ``qcow2``...) this host claims not to
support, so the scheduler sends such images elsewhere. Needs
``[scheduler] query_placement_for_image_type_support``.
"""),
    cfg.BoolOpt(
        'packing_host_numa_cells_allocation_strategy',
        default=False,
        help="""
How guest NUMA cells are placed on host NUMA cells. False spreads them
onto the cells with the most free resources; True fills the busiest
cells first, keeping whole cells free for large guests.
"""),
]

snapshot_opts = [
    cfg.ListOpt(
        'non_inheritable_image_properties',
        default=['cache_in_nova', 'bittorrent'],
        help="""
Properties of a server's image that a snapshot of the server does not
copy (createImage). The image signature properties and a volume
image's encryption key are never copied, whatever this says.
"""),
]

DEFAULT_OPTS = (driver_opts + resource_opts + manager_opts + interval_opts
                + timeout_opts + running_deleted_opts + snapshot_opts)


def register_opts(conf):
    conf.register_opts(DEFAULT_OPTS)
    conf.register_group(compute_group)
    conf.register_opts(compute_group_opts, group=compute_group)


def list_opts():
    return {'DEFAULT': DEFAULT_OPTS, compute_group: compute_group_opts}
