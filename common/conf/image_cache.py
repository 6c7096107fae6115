"""[image_cache] options: the per-host cache of base images.

Images downloaded for one instance are kept so the next instance from
the same image boots without downloading it again; these options bound
how long unused copies stay.
"""

from oslo_config import cfg

image_cache_group = cfg.OptGroup(
    'image_cache',
    title='Image cache options',
    help='Cache of base images on compute hosts.')

image_cache_opts = [
    cfg.IntOpt(
        'manager_interval',
        default=2400,
        min=-1,
        deprecated_name='image_cache_manager_interval',
        deprecated_group='DEFAULT',
        help="""
Seconds between runs of the task that ages and removes unused cached
images. Zero uses the default periodic interval, -1 disables it.
"""),
    cfg.StrOpt(
        'subdirectory_name',
        default='_base',
        deprecated_name='image_cache_subdirectory_name',
        deprecated_group='DEFAULT',
        help="""
Directory under ``instances_path`` holding cached images. When
``instances_path`` is shared, hosts share the cache too.
"""),
    cfg.BoolOpt(
        'remove_unused_base_images',
        default=True,
        deprecated_group='DEFAULT',
        help="""
Delete cached images no instance on this host uses any more, once they
are older than the ages below.
"""),
    cfg.IntOpt(
        'remove_unused_original_minimum_age_seconds',
        default=86400,
        deprecated_group='DEFAULT',
        help="""
Seconds an unused original (unresized) cached image is kept.
"""),
    cfg.IntOpt(
        'remove_unused_resized_minimum_age_seconds',
        default=3600,
        deprecated_group='libvirt',
        help="""
Seconds an unused resized copy of a cached image is kept.
"""),
    cfg.IntOpt(
        'precache_concurrency',
        default=1,
        min=1,
        help="""
How many images one host downloads at once when operators pre-cache
images on an aggregate. Higher is faster but loads the image service
and the host's network.
"""),
]


def register_opts(conf):
    conf.register_group(image_cache_group)
    conf.register_opts(image_cache_opts, group=image_cache_group)


def list_opts():
    return {image_cache_group: image_cache_opts}
