"""The image cache manager: ages and removes unused base images.

Base files (see imagebackend) stay after their last instance is gone,
so that servers booted again from a popular image start at once; this
bounds how long.  A file in use is touched at each pass, so its
modification time says when it was last used; one unused for
``[image_cache] remove_unused_original_minimum_age_seconds`` is
removed when ``remove_unused_base_images`` is set.

Only the instances passed in count as users: when ``instances_path`` is
shared, the caller must pass the instances of every host sharing it.
"""

import os
import re
import time

from oslo_log import log as logging

from common import conf
from nova_compute.virt.libvirt import imagebackend

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# What imagebackend.base_name() makes; other files are left alone.
_BASE_NAME = re.compile(r'^[0-9a-f]{40}$')


class ImageCacheManager:
    """One pass over the cache per update() (Nova's periodic task runs it
    every ``[image_cache] manager_interval`` seconds)."""

    def update(self, all_instances):
        """Touch the base files ``all_instances`` use; remove the others
        once old enough."""
        in_use = _base_names_in_use(all_instances)
        for name in _base_files():
            path = os.path.join(imagebackend.base_dir(), name)
            if name in in_use:
                os.utime(path)
            elif CONF.image_cache.remove_unused_base_images:
                _remove_if_old(name, path)


def _base_names_in_use(instances):
    """Base file names of the instances' images, kernels and ramdisks."""
    return {imagebackend.base_name(image_id)
            for instance in instances
            for image_id in (instance.image_ref, instance.kernel_id,
                             instance.ramdisk_id)
            if image_id}


def _base_files():
    try:
        names = os.listdir(imagebackend.base_dir())
    except FileNotFoundError:
        return []
    return sorted(name for name in names if _BASE_NAME.match(name))


def _remove_if_old(name, path):
    """Remove an unused base file older than the minimum age.

    The age is checked again under the file's lock: a spawn may have
    just taken (and touched) it.
    """
    min_age = CONF.image_cache.remove_unused_original_minimum_age_seconds
    with imagebackend.base_lock(name):
        try:
            age = time.time() - os.path.getmtime(path)
        except FileNotFoundError:
            return
        if age < min_age:
            LOG.debug('Base file %s is unused, kept for %d more seconds',
                      path, min_age - age)
            return
        LOG.info('Removing base file %s, unused for %d seconds', path, age)
        os.remove(path)
