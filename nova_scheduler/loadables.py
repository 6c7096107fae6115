"""Filter and weigher classes named in nova.conf by dotted path."""

from oslo_utils import importutils


def load_classes(paths):
    """{class name: class} of the dotted ``paths``; a path may instead
    name a function returning a list of classes (``all_filters``,
    ``all_weighers``)."""
    classes = {}
    for path in paths:
        found = importutils.import_class(path)
        members = [found] if isinstance(found, type) else found()
        classes.update((cls.__name__, cls) for cls in members)
    return classes
