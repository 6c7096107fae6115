"""Version documents: ``GET /`` lists the API versions, ``GET /v2.1/``
(and the legacy ``/v2/``) describes one.  Neither needs a token, so
clients can discover the API before authenticating.
"""

import copy

from common import conf
from nova_api import api_version
from nova_api import links
from nova_api import router

CONF = conf.CONF

DOCS = 'http://docs.openstack.org/'

VERSIONS = {
    'v2.0': {
        'id': 'v2.0',
        'status': 'DEPRECATED',
        'version': '',
        'min_version': '',
        'updated': '2025-07-04T12:00:00Z',
        'links': [{'rel': 'describedby', 'type': 'text/html',
                   'href': DOCS}],
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.compute+json;version=2'}],
    },
    'v2.1': {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': api_version.MAX_VERSION,
        'min_version': api_version.MIN_VERSION,
        'updated': '2013-07-23T11:33:21Z',
        'links': [{'rel': 'describedby', 'type': 'text/html',
                   'href': DOCS}],
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.compute+json;version=2.1'}],
    },
}


def _href(req, version_id, path=''):
    """Where a version lives: ``<root>/v2.1/`` or ``<root>/v2/``."""
    number = 'v2.1' if version_id.startswith('v2.1') else 'v2'
    base = links.update_link_prefix(req.application_url)
    return links.url_join(base, number, path.lstrip('/'))


class VersionsController:
    """The root of the API: ``GET /`` and any unknown top-level path."""

    def index(self, req):
        return {'versions': [
            {key: version[key] for key in
             ('id', 'status', 'version', 'min_version', 'updated')} |
            {'links': [{'rel': 'self', 'href': _href(req, version['id'])}]}
            for _id, version in sorted(VERSIONS.items())]}

    @router.response(300)
    def multi(self, req):
        """300 Multiple Choices: where the path would be in each version."""
        return {'choices': [
            {'id': version['id'], 'status': version['status'],
             'links': [{'rel': 'self',
                        'href': _href(req, version['id'], req.path_info)}],
             'media-types': version['media-types']}
            for _id, version in sorted(VERSIONS.items())]}


class VersionController:
    """``GET /v2.1/`` or ``/v2/``: the document of that version."""

    def show(self, req):
        version = copy.deepcopy(
            VERSIONS['v2.0' if req.is_legacy_v2 else 'v2.1'])
        self_href = links.update_link_prefix(req.application_url)
        version['links'].insert(0, {'rel': 'self',
                                    'href': self_href.rstrip('/') + '/'})
        return {'version': version}
