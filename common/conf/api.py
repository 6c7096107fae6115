"""[api] options: behaviour of the compute REST API and metadata API.

Read by nova-api only; they shape what users see (links, limits,
passwords) rather than how the service runs.
"""

from oslo_config import cfg
from oslo_config import types

api_group = cfg.OptGroup(
    'api',
    title='API options',
    help='Options of the compute REST API and the metadata service.')

auth_opts = [
    cfg.StrOpt(
        'auth_strategy',
        default='keystone',
        choices=[
            ('keystone', 'validate tokens with the identity service'),
            ('noauth2', 'trust the user and project named in the request; '
                        'for development and tests only'),
        ],
        deprecated_group='DEFAULT',
        help="""
How API requests are authenticated. ``noauth2`` skips the identity
service so the API can run alone, but lets anyone act as anyone.
"""),
    cfg.BoolOpt(
        'use_forwarded_for',
        default=False,
        deprecated_group='DEFAULT',
        help="""
Take the client address from the X-Forwarded-For header. Enable only
behind a proxy that sets it, or clients can claim any address.
"""),
]

metadata_opts = [
    cfg.StrOpt(
        'config_drive_skip_versions',
        default=('1.0 2007-01-19 2007-03-01 2007-08-29 2007-10-10 '
                 '2007-12-15 2008-02-01 2008-09-01'),
        deprecated_group='DEFAULT',
        help="""
Space-separated EC2 metadata versions left out of config drives, which
keeps the drive small; guests asking for them get the newer formats.
"""),
    cfg.ListOpt(
        'vendordata_providers',
        item_type=types.String(choices=['StaticJSON', 'DynamicJSON']),
        default=['StaticJSON'],
        help="""
Sources of the vendor data handed to instances: ``StaticJSON`` reads
``vendordata_jsonfile_path``, ``DynamicJSON`` calls the services in
``vendordata_dynamic_targets``.
"""),
    cfg.StrOpt(
        'vendordata_jsonfile_path',
        help="""
JSON file served to every instance as static vendor data.
"""),
    cfg.ListOpt(
        'vendordata_dynamic_targets',
        default=[],
        help="""
REST services asked for dynamic vendor data, each as
``name@http://host/path``; every answer appears under its name.
"""),
    cfg.IntOpt(
        'metadata_cache_expiration',
        default=15,
        min=0,
        help="""
Seconds an instance's metadata is cached by the metadata service.
Longer caching lowers database load but delays changes reaching the
guest. Zero disables the cache.
"""),
    cfg.BoolOpt(
        'local_metadata_per_cell',
        default=False,
        help="""
Set when a metadata service runs in each cell and reads the cell
database directly, so it never needs the API database. Needs the
network's metadata proxy to reach the right cell.
"""),
    cfg.StrOpt(
        'dhcp_domain',
        default='novalocal',
        help="""
Domain appended to instance host names in the metadata. Set it empty
to hand out bare host names.
"""),
]

limit_opts = [
    cfg.IntOpt(
        'max_limit',
        default=1000,
        min=0,
        help="""
Largest number of items a single list request returns; bigger pages
must be fetched with markers. Protects the API from huge responses.
"""),
    cfg.StrOpt(
        'compute_link_prefix',
        help="""
Base URL put in the compute links of responses instead of the request's
own, for when the API sits behind a proxy with another public address.
"""),
    cfg.StrOpt(
        'glance_link_prefix',
        help="""
Base URL put in the image links of responses, as above for images.
"""),
    cfg.BoolOpt(
        'instance_list_per_project_cells',
        default=False,
        help="""
When listing servers, ask only the cells where the project has
instances instead of every cell. Faster with many cells, at the cost of
one more query to the API database.
"""),
    cfg.StrOpt(
        'instance_list_cells_batch_strategy',
        default='distributed',
        choices=[
            ('distributed', 'divide the page limit among the cells'),
            ('fixed', 'ask every cell for '
                      '``instance_list_cells_batch_fixed_size`` records'),
        ],
        help="""
How many records a server listing asks from each cell per round trip.
"""),
    cfg.IntOpt(
        'instance_list_cells_batch_fixed_size',
        default=100,
        min=10,
        help="""
Batch size per cell when ``instance_list_cells_batch_strategy`` is
``fixed``.
"""),
    cfg.BoolOpt(
        'list_records_by_skipping_down_cells',
        default=True,
        help="""
Leave unreachable cells out of listings instead of failing the whole
request. When False, one cell down makes every listing return 500.
"""),
]

misc_opts = [
    cfg.BoolOpt(
        'enable_instance_password',
        default=True,
        help="""
Return the generated admin password in create, rebuild and rescue
responses. Turn off when the hypervisor cannot set it in the guest, so
users are not handed a password that does not work.
"""),
    cfg.StrOpt(
        'response_validation',
        default='warn',
        choices=[
            ('error', 'fail the request with a 500 error'),
            ('warn', 'log a warning and send the response'),
            ('ignore', 'skip response validation'),
        ],
        help="""
What happens when an API response does not match its schema. ``error``
is meant for tests; production should keep ``warn`` or ``ignore``.
"""),
]

API_OPTS = auth_opts + metadata_opts + limit_opts + misc_opts


def register_opts(conf):
    conf.register_group(api_group)
    conf.register_opts(API_OPTS, group=api_group)


def list_opts():
    return {api_group: API_OPTS}
