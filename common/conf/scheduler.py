"""[scheduler] and [filter_scheduler] options of nova-scheduler.

[scheduler] covers how requests reach placement and how many tries a
build gets; [filter_scheduler] the filters and weighers that pick among
the hosts placement returned.
"""

from oslo_config import cfg

scheduler_group = cfg.OptGroup(
    'scheduler',
    title='Scheduler options',
    help='How nova-scheduler turns a request into candidate hosts.')

filter_scheduler_group = cfg.OptGroup(
    'filter_scheduler',
    title='Filter scheduler options',
    help='Filters and weighers the filter scheduler applies.')

# Architectures the image properties filter knows, as Nova lists them.
ARCHITECTURES = (
    'alpha', 'armv6', 'armv7l', 'armv7b', 'aarch64', 'cris', 'i686',
    'ia64', 'lm32', 'm68k', 'microblaze', 'microblazeel', 'mips', 'mipsel',
    'mips64', 'mips64el', 'openrisc', 'parisc', 'parisc64', 'ppc', 'ppcle',
    'ppc64', 'ppc64le', 'ppcemb', 's390', 's390x', 'sh4', 'sh4eb', 'sparc',
    'sparc64', 'unicore32', 'x86_64', 'xtensa', 'xtensaeb',
)

scheduler_opts = [
    cfg.StrOpt(
        'driver',
        default='filter_scheduler',
        choices=[
            ('filter_scheduler', 'filter and weigh the hosts placement '
                                 'returned'),
            ('chance_scheduler', 'pick one of those hosts at random; for '
                                 'tests and benchmarks'),
        ],
        help="""
Algorithm nova-scheduler uses to choose among the candidate hosts.
"""),
    cfg.IntOpt(
        'max_attempts',
        default=3,
        min=1,
        help="""
How many hosts a build may try: the chosen one plus alternates tried
in turn when a build fails on a host. Raise it where builds often fail
for host-local reasons; 1 disables rescheduling.
"""),
    cfg.IntOpt(
        'discover_hosts_in_cells_interval',
        default=-1,
        min=-1,
        help="""
Seconds between runs of the scheduler's search for compute hosts not
yet mapped to a cell, which maps them as ``nova-manage cell_v2
discover_hosts`` does. -1 disables it; enable it on one scheduler only
when hosts are added often.
"""),
    cfg.IntOpt(
        'periodic_task_interval',
        default=60,
        help="""
Seconds between runs of the scheduler's periodic tasks. Zero uses the
default interval, a negative value disables them.
"""),
    cfg.IntOpt(
        'workers',
        min=0,
        help="""
Number of nova-scheduler worker processes. When unset, one per CPU of
the host is started.
"""),
    cfg.IntOpt(
        'max_placement_results',
        default=1000,
        min=1,
        help="""
Largest number of candidate hosts asked from placement per request.
Lower values make scheduling faster in big clouds but may leave out the
best host.
"""),
    cfg.BoolOpt(
        'limit_tenants_to_placement_aggregate',
        default=False,
        help="""
Restrict projects to the hosts of aggregates whose metadata names them
(``filter_tenant_id``), filtered in placement rather than by a filter.
"""),
    cfg.BoolOpt(
        'placement_aggregate_required_for_tenants',
        default=False,
        help="""
With ``limit_tenants_to_placement_aggregate``, refuse to schedule
projects that no aggregate names, instead of letting them use any host.
"""),
    cfg.BoolOpt(
        'query_placement_for_availability_zone',
        default=True,
        help="""
Resolve the requested availability zone to its aggregates and let
placement filter on them, which replaces the availability zone filter.
"""),
    cfg.BoolOpt(
        'query_placement_for_image_type_support',
        default=False,
        help="""
Ask placement only for hosts whose driver supports the disk format of
the requested image.
"""),
    cfg.BoolOpt(
        'enable_isolated_aggregate_filtering',
        default=False,
        help="""
Keep instances away from aggregates that require traits the flavor and
image do not ask for, so such hosts stay reserved for the workloads
that request them.
"""),
    cfg.BoolOpt(
        'image_metadata_prefilter',
        default=False,
        help="""
Turn image properties into required traits in the placement query, so
placement rather than the filters discards unfit hosts.
"""),
]

filter_opts = [
    cfg.IntOpt(
        'host_subset_size',
        default=1,
        min=1,
        help="""
Pick the host at random among this many best weighed hosts. Values
above 1 make concurrent schedulers collide less on the same host, at
the cost of sometimes not using the very best one.
"""),
    cfg.IntOpt(
        'max_io_ops_per_host',
        default=8,
        min=0,
        help="""
Hosts already running this many disk-heavy tasks (builds, resizes,
snapshots...) are filtered out by the I/O ops filter.
"""),
    cfg.IntOpt(
        'max_instances_per_host',
        default=50,
        min=1,
        help="""
Hosts already holding this many instances are filtered out by the
number of instances filter.
"""),
    cfg.BoolOpt(
        'track_instance_changes',
        default=True,
        help="""
Have compute hosts tell the scheduler about their instances so the
affinity filters need not query the database on each request. Disable
if no enabled filter or weigher uses instance data.
"""),
    cfg.MultiStrOpt(
        'available_filters',
        default=['nova_scheduler.filters.all_filters'],
        help="""
Filter classes the scheduler may load, as dotted paths; give the option
once per entry. The default makes every bundled filter available. Only
those in ``enabled_filters`` are used.
"""),
    cfg.ListOpt(
        'enabled_filters',
        default=[
            'AvailabilityZoneFilter',
            'ComputeFilter',
            'ComputeCapabilitiesFilter',
            'ImagePropertiesFilter',
            'ServerGroupAntiAffinityFilter',
            'ServerGroupAffinityFilter',
        ],
        help="""
Filters applied to each candidate host, in this order; put the ones
that discard most hosts first. Each must be in ``available_filters``.
The VCPU, MEMORY_MB and DISK_GB checks, which stand in for placement,
always run before them. Unlike Nova's default, AvailabilityZoneFilter is
included: there is no placement prefilter for availability zones.
"""),
    cfg.ListOpt(
        'weight_classes',
        default=['nova_scheduler.weights.all_weighers'],
        help="""
Weigher classes ranking the hosts that passed the filters, as dotted
paths. The default uses every bundled weigher; each is scaled by its
``*_weight_multiplier``.
"""),
    cfg.FloatOpt(
        'ram_weight_multiplier',
        default=1.0,
        help="""
Weight of free RAM. Positive spreads instances over hosts, negative
stacks them on the fullest hosts first.
"""),
    cfg.FloatOpt(
        'cpu_weight_multiplier',
        default=1.0,
        help="""
Weight of free VCPUs. Positive spreads, negative stacks.
"""),
    cfg.FloatOpt(
        'disk_weight_multiplier',
        default=1.0,
        help="""
Weight of free disk. Positive spreads, negative stacks.
"""),
    cfg.FloatOpt(
        'hypervisor_version_weight_multiplier',
        default=1.0,
        help="""
Weight of the hypervisor version. Positive prefers upgraded hosts,
negative prefers older ones (e.g. to empty hosts before upgrading).
"""),
    cfg.FloatOpt(
        'io_ops_weight_multiplier',
        default=-1.0,
        help="""
Weight of the number of running disk-heavy tasks. Negative (default)
prefers idle hosts, positive prefers busy ones.
"""),
    cfg.FloatOpt(
        'num_instances_weight_multiplier',
        default=0.0,
        help="""
Weight of the number of instances on a host. Negative prefers hosts
with few instances, positive packs them; zero ignores it.
"""),
    cfg.FloatOpt(
        'pci_weight_multiplier',
        default=1.0,
        min=0.0,
        help="""
Weight keeping hosts with PCI devices free for requests that need them.
Zero ignores PCI devices.
"""),
    cfg.FloatOpt(
        'soft_affinity_weight_multiplier',
        default=1.0,
        min=0.0,
        help="""
How strongly members of a soft-affinity server group are drawn to the
hosts already running group members.
"""),
    cfg.FloatOpt(
        'soft_anti_affinity_weight_multiplier',
        default=1.0,
        min=0.0,
        help="""
How strongly members of a soft-anti-affinity server group are pushed
away from the hosts already running group members.
"""),
    cfg.FloatOpt(
        'build_failure_weight_multiplier',
        default=1000000.0,
        help="""
Penalty per recent build failure on a host. The large default keeps a
host failing every build from attracting all new builds; zero ignores
failures.
"""),
    cfg.FloatOpt(
        'cross_cell_move_weight_multiplier',
        default=1000000.0,
        help="""
Weight favouring hosts in the instance's current cell during a move.
Negative prefers other cells.
"""),
    cfg.FloatOpt(
        'image_props_weight_multiplier',
        default=0.0,
        help="""
Weight favouring hosts running instances whose images have the same
properties as the requested one. Zero disables it.
"""),
    cfg.ListOpt(
        'image_props_weight_setting',
        default=[],
        help="""
Per-property ratios for the image properties weigher, as
``name=ratio`` items, e.g. ``os_distro=1,hw_machine_type=0``. Empty
gives every property the same weight.
"""),
    cfg.BoolOpt(
        'shuffle_best_same_weighed_hosts',
        default=False,
        help="""
Shuffle hosts sharing the best weight, so identical hosts (e.g. bare
metal nodes) are not always tried in the same order.
"""),
    cfg.StrOpt(
        'image_properties_default_architecture',
        choices=ARCHITECTURES,
        help="""
Architecture assumed for images that do not declare one, so the image
properties filter does not send them to hosts of another architecture.
"""),
    cfg.ListOpt(
        'isolated_images',
        default=[],
        help="""
Image UUIDs that may run only on ``isolated_hosts`` (isolated hosts
filter).
"""),
    cfg.ListOpt(
        'isolated_hosts',
        default=[],
        help="""
Host names reserved for ``isolated_images`` (isolated hosts filter).
"""),
    cfg.BoolOpt(
        'restrict_isolated_hosts_to_isolated_images',
        default=True,
        help="""
Keep other images off ``isolated_hosts``. When False isolated hosts
also take any image, but isolated images still run only there.
"""),
    cfg.StrOpt(
        'aggregate_image_properties_isolation_namespace',
        help="""
Only aggregate metadata keys with this prefix are matched against
image properties by the aggregate image properties isolation filter.
"""),
    cfg.StrOpt(
        'aggregate_image_properties_isolation_separator',
        default='.',
        help="""
Separator between the namespace above and the key name.
"""),
    cfg.BoolOpt(
        'pci_in_placement',
        default=False,
        help="""
Schedule PCI devices through placement inventories rather than the PCI
filter alone. Needs the compute hosts to report their devices there.
"""),
]


def register_opts(conf):
    conf.register_group(scheduler_group)
    conf.register_opts(scheduler_opts, group=scheduler_group)
    conf.register_group(filter_scheduler_group)
    conf.register_opts(filter_opts, group=filter_scheduler_group)


def list_opts():
    return {scheduler_group: scheduler_opts,
            filter_scheduler_group: filter_opts}
