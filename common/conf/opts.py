"""Entry point of oslo-config-generator for the ``nova.conf`` namespace.

Several modules contribute to [DEFAULT], so their lists are merged per
group here; groups come out sorted, [DEFAULT] first, which keeps the
generated sample stable.
"""

from oslo_config import cfg

from common import conf


def list_opts():
    merged = {}
    group_objs = {}
    for area in conf.AREAS:
        for group, opts in area.list_opts().items():
            name = group.name if isinstance(group, cfg.OptGroup) else group
            if isinstance(group, cfg.OptGroup):
                group_objs[name] = group
            merged.setdefault(name, []).extend(opts)
    names = sorted(merged, key=lambda name: (name != 'DEFAULT', name))
    return [(group_objs.get(name, name), merged[name]) for name in names]
