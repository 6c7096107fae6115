"""Compute API microversions: which version a request asks for.

A client names the version in ``OpenStack-API-Version: compute 2.53``
(or the older ``X-OpenStack-Nova-API-Version: 2.53``); without either
it gets MIN_VERSION, and ``latest`` means MAX_VERSION.  Controllers
branch on ``req.api_version_request >= '2.53'`` or declare the range a
handler serves with ``@versioned('2.1', '2.52')``.

Version history (what each microversion changed in what exists here;
see doc/api.md for the routes):

* 2.1   - the base API
* 2.2   - os-keypairs: ``type`` (ssh, x509); create 201, delete 204
* 2.7   - flavor access: refused on public flavors (409)
* 2.10  - os-keypairs: ``user_id`` for admins
* 2.11  - os-services: ``forced_down`` field, PUT /os-services/force-down
* 2.13  - server groups: ``project_id`` and ``user_id``
* 2.15  - server groups: soft-affinity and soft-anti-affinity
* 2.28  - os-hypervisors: ``cpu_info`` is an object, not a string
* 2.33  - os-hypervisors: ``limit`` and ``marker`` paging, with links
* 2.35  - os-keypairs: paging
* 2.36  - quotas and limits: network resources dropped
* 2.39  - limits: ``maxImageMeta`` dropped
* 2.41  - aggregates: ``uuid``
* 2.50  - quota class sets: server groups shown, network ones dropped
* 2.53  - os-services and os-hypervisors: uuid ids; PUT
          /os-services/{uuid}; ``hypervisor_hostname_pattern`` and
          ``with_servers`` replace the search and servers routes
* 2.55  - flavors: ``description``, PUT /flavors/{id}
* 2.57  - quotas and limits: injected files and personality dropped
* 2.61  - flavors: ``extra_specs`` in the flavor
* 2.64  - server groups: ``policy`` and ``rules`` replace ``policies``
* 2.69  - os-services: hosts of a cell that does not answer, UNKNOWN
* 2.75  - unknown query parameters refused (services, flavors, keypairs,
          quotas, limits, server groups); flavors: ``swap`` 0 not ""
* 2.81  - aggregates: POST /os-aggregates/{id}/images
* 2.86  - flavor extra specs validated
* 2.88  - os-hypervisors: resource counts and ``cpu_info`` dropped,
          ``uptime`` added; /statistics and /{id}/uptime gone
* 2.92  - os-keypairs: no server-side generation, wider names
* 2.102 - flavors: ``rxtx_factor`` and ``OS-FLV-DISABLED:disabled`` gone
* 2.104 - the newest (Nova 34): servers, PUT ``pinned_availability_zone``

The servers API and its sub-resources follow every microversion up to
2.104; their changes are listed where they are implemented
(``nova_api/views/servers.py``, ``nova_api/schemas/servers.py`` and the
sub-resource controllers' docstrings).
"""

import functools
import re

from common import exception

API_VERSION_HEADER = 'OpenStack-API-Version'
LEGACY_API_VERSION_HEADER = 'X-OpenStack-Nova-API-Version'
SERVICE_TYPE = 'compute'

MIN_VERSION = '2.1'
# Raise it only when every change of every microversion up to the new
# value is implemented: clients rely on all of them once it is announced.
MAX_VERSION = '2.104'

_FORMAT = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


@functools.total_ordering
class APIVersionRequest:
    """A 'major.minor' version, comparable with another or a string."""

    def __init__(self, version_string):
        match = _FORMAT.match(version_string)
        if not match:
            raise exception.InvalidAPIVersionString(version=version_string)
        self.ver_major = int(match.group(1))
        self.ver_minor = int(match.group(2))

    def _key(self):
        return self.ver_major, self.ver_minor

    @staticmethod
    def _coerce(other):
        return (APIVersionRequest(other) if isinstance(other, str)
                else other)

    def __eq__(self, other):
        return self._key() == self._coerce(other)._key()

    def __lt__(self, other):
        return self._key() < self._coerce(other)._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        return '%d.%d' % self._key()

    def __repr__(self):
        return '<APIVersionRequest %s>' % self

    def matches(self, min_version, max_version=None):
        """Whether self is within [min_version, max_version]."""
        if self < min_version:
            return False
        return max_version is None or self <= max_version


MIN = APIVersionRequest(MIN_VERSION)
MAX = APIVersionRequest(MAX_VERSION)


def _requested(headers):
    """The version string the headers ask for, or None.

    ``OpenStack-API-Version`` may list several services ('compute 2.53,
    placement 1.10'); only the compute entry counts, and the legacy
    header is read only when there is none.
    """
    for item in headers.get(API_VERSION_HEADER, '').split(','):
        service, _sep, version = item.strip().partition(' ')
        if service.lower() == SERVICE_TYPE and version.strip():
            return version.strip()
    legacy = headers.get(LEGACY_API_VERSION_HEADER, '').strip()
    return legacy or None


def from_headers(headers):
    """The APIVersionRequest of a request's headers.

    Raises InvalidAPIVersionString (400) for a malformed version and
    InvalidGlobalAPIVersion (406) for one outside [MIN, MAX].
    """
    requested = _requested(headers)
    if requested is None:
        return MIN
    if requested.lower() == 'latest':
        return MAX
    version = APIVersionRequest(requested)
    if not version.matches(MIN, MAX):
        raise exception.InvalidGlobalAPIVersion(
            req_ver=str(version), min_ver=MIN_VERSION, max_ver=MAX_VERSION)
    return version


def set_response_headers(response, version):
    """Tell the client which version answered, and that caches must
    key on the version headers."""
    response.headers[API_VERSION_HEADER] = '%s %s' % (SERVICE_TYPE, version)
    response.headers[LEGACY_API_VERSION_HEADER] = str(version)
    response.headers['Vary'] = '%s, %s' % (API_VERSION_HEADER,
                                           LEGACY_API_VERSION_HEADER)


def versioned(min_version, max_version=None):
    """Declare the microversions a handler serves (inclusive).

    The router skips a handler whose range excludes the request, so a
    route can have one handler per range; none left means 404.
    """
    def decorate(handler):
        handler.min_version = APIVersionRequest(min_version)
        handler.max_version = (APIVersionRequest(max_version)
                               if max_version else None)
        return handler
    return decorate


def serves(handler, version):
    """Whether ``handler`` is meant for requests of ``version``."""
    return version.matches(getattr(handler, 'min_version', MIN),
                           getattr(handler, 'max_version', None))
