"""The image service (Glance v2) as nova-api and nova-compute use it.

nova-api reads an image's metadata for every server it creates, so a
call must cost one HTTP request on a kept-alive connection: one
keystoneauth1 session (a pool of connections) serves every thread of
the process, and nothing is discovered per call (no version discovery,
no schema download: the base attributes of Glance's image schema are
listed below).

The endpoint is, as in Nova: one of ``[glance] api_servers`` (taken in
turn, from a shuffled list, so that several API servers share the
load), else ``[glance] endpoint_override``, else the image service of
the request context's service catalog (``valid_interfaces``,
``region_name``, ``service_type``, ``service_name``).  The caller's
token goes with each request: Glance decides what the caller may see.
A connection error or a 503 is retried ``[glance] num_retries`` times,
on the next API server if there are several.
"""

import functools
import hashlib
import itertools
import os
import random
import re
import threading
import time
from urllib import parse

from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1.access import service_catalog as ksa_catalog
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
import requests

from common import conf
from common import exception
from common.conf import glance as glance_conf
from common.conf import utils as conf_utils

CONF = conf.CONF
LOG = logging.getLogger(__name__)
# keystoneauth1's options of [glance], registered by their user (see
# common/conf/utils.py).
conf_utils.register_ksa_opts(CONF, glance_conf.glance_group,
                             glance_conf.SERVICE_TYPE)

# The properties of Glance's image schema that are not "additional
# properties": everything else an image holds is a property of its own.
BASE_ATTRIBUTES = frozenset((
    'checksum', 'container_format', 'created_at', 'direct_url',
    'disk_format', 'file', 'id', 'locations', 'min_disk', 'min_ram', 'name',
    'os_hash_algo', 'os_hash_value', 'os_hidden', 'owner', 'protected',
    'schema', 'self', 'size', 'status', 'stores', 'tags', 'updated_at',
    'virtual_size', 'visibility'))
# The attributes of our image dicts (plus 'properties').
IMAGE_KEYS = ('id', 'name', 'status', 'disk_format', 'container_format',
              'min_ram', 'min_disk', 'size', 'checksum', 'owner',
              'visibility', 'created_at', 'updated_at')
# What a new image may set besides its properties.
WRITABLE_KEYS = ('id', 'name', 'disk_format', 'container_format', 'min_ram',
                 'min_disk', 'visibility', 'protected', 'os_hidden', 'tags')
DATETIME_KEYS = ('created_at', 'updated_at')
CHUNK_SIZE = 64 * 1024
PATCH_MEDIA_TYPE = 'application/openstack-images-v2.1-json-patch'
# Before asking the endpoint that just failed again.
RETRY_PAUSE = 1
_VERSION_SUFFIX = re.compile(r'/v\d+(\.\d+)?/?$')

_session = None
_session_lock = threading.Lock()


def get_session():
    """The process's keystoneauth1 session, from the [glance] options
    (TLS, timeout); made once, shared by every thread."""
    global _session
    with _session_lock:
        if _session is None:
            _session = ks_loading.load_session_from_conf_options(
                CONF, 'glance')
        return _session


def _unversioned(url):
    """Paths here start at /v2: drop a version from a configured URL.

    A URL without a scheme is taken as http, as Nova does.
    """
    if '//' not in url:
        url = 'http://' + url
    return _VERSION_SUFFIX.sub('', url).rstrip('/')


@functools.lru_cache(maxsize=8)
def _api_server_cycle(api_servers):
    """The process's turn over ``api_servers`` (a tuple), from a random
    start so that processes do not all begin with the first."""
    servers = [_unversioned(url) for url in api_servers]
    random.shuffle(servers)
    return itertools.cycle(servers)


def _catalog_endpoint(context):
    """The image endpoint of the context's catalog, as the [glance]
    adapter options select it."""
    catalog = getattr(context, 'service_catalog', None)
    if not catalog:
        raise exception.GlanceConnectionFailed(
            server='image service',
            reason='no [glance] api_servers or endpoint_override, and no '
                   'service catalog in the request context')
    # keystonemiddleware passes the catalog on in v2 form; a v3 catalog
    # names an interface per endpoint.
    v3 = any('interface' in endpoint for service in catalog
             for endpoint in service.get('endpoints', ()))
    cls = (ksa_catalog.ServiceCatalogV3 if v3
           else ksa_catalog.ServiceCatalogV2)
    group = CONF.glance
    try:
        url = cls(catalog).url_for(
            service_type=group.service_type, service_name=group.service_name,
            interface=group.valid_interfaces, region_name=group.region_name)
    except ksa_exc.EndpointNotFound as e:
        raise exception.GlanceConnectionFailed(
            server='image service', reason=e) from e
    return _unversioned(url)


def _endpoints(context):
    """The endpoints to try, in order, for one call (endless)."""
    if CONF.glance.api_servers:
        return _api_server_cycle(tuple(CONF.glance.api_servers))
    if CONF.glance.endpoint_override:
        return itertools.repeat(_unversioned(CONF.glance.endpoint_override))
    return itertools.repeat(_catalog_endpoint(context))


def _headers(context, extra):
    """The caller's token, the request id Glance logs as its own, and
    errors asked for in JSON (Glance's default is an HTML page)."""
    headers = dict(extra, **{'X-OpenStack-Request-ID': context.global_id,
                             'Accept': 'application/json'})
    if context.auth_token:
        headers['X-Auth-Token'] = context.auth_token
    return headers


def _request(context, method, path, retry=True, **kwargs):
    """One request to Glance; retried on connection errors and 503
    unless ``retry`` is False (a body read from a stream cannot be
    sent twice).

    Answers any other status, errors included, for the caller to
    translate: what a 404 means depends on the call.
    """
    endpoints = _endpoints(context)
    attempts = CONF.glance.num_retries + 1 if retry else 1
    headers = _headers(context, kwargs.pop('headers', {}))
    failed = None
    for attempt in range(1, attempts + 1):
        endpoint = next(endpoints)
        if endpoint == failed:
            time.sleep(RETRY_PAUSE)
        try:
            resp = get_session().request(endpoint + path, method,
                                         headers=headers, raise_exc=False,
                                         **kwargs)
        except ksa_exc.ConnectionError as e:
            reason = str(e)
        else:
            if resp.status_code != 503:
                return resp
            reason = '503 %s' % resp.reason
            resp.close()
        failed = endpoint
        LOG.warning('Image service %(server)s failed (%(reason)s), attempt '
                    '%(attempt)d of %(attempts)d',
                    {'server': failed, 'reason': reason,
                     'attempt': attempt, 'attempts': attempts})
    raise exception.GlanceConnectionFailed(
        server=parse.urlsplit(failed).netloc, reason=reason)


def _check(resp, image_id):
    """The exception Nova raises for Glance's error statuses."""
    if resp.status_code < 400:
        return
    with resp:
        if resp.status_code == 404:
            raise exception.ImageNotFound(image_id=image_id)
        if resp.status_code in (401, 403):
            raise exception.ImageNotAuthorized(image_id=image_id)
        if resp.status_code == 400:
            raise exception.ImageBadRequest(image_id=image_id,
                                            response=_error_message(resp))
        raise exception.NovaException(
            'Unexpected response of the image service for image %s: %s %s'
            % (image_id, resp.status_code, _error_message(resp)))


def _error_message(resp):
    """The first line of Glance's explanation (its JSON error body)."""
    try:
        message = resp.json()['message']
    except (ValueError, KeyError, TypeError):
        return resp.reason
    lines = message.split('<br />')[0].strip().splitlines()
    return lines[0] if lines else resp.reason


def _naive_utc(value):
    if not value:
        return None
    return timeutils.normalize_time(timeutils.parse_isotime(value))


def normalize(image):
    """Glance's image JSON as Nova's code sees an image: the attributes
    of IMAGE_KEYS (dates as naive UTC datetimes, a size of 0 before any
    data) and the additional properties under 'properties'."""
    meta = {key: image.get(key) for key in IMAGE_KEYS}
    meta['size'] = meta['size'] or 0
    for key in DATETIME_KEYS:
        meta[key] = _naive_utc(meta[key])
    meta['properties'] = {key: value for key, value in image.items()
                          if key not in BASE_ATTRIBUTES}
    return meta


def _image_path(image_id, suffix=''):
    """/v2/images/<id>; ImageNotFound for what cannot be an image id.

    Glance gives images UUIDs only; asking for anything else would
    cost a round trip (and '' would list the images).
    """
    if not uuidutils.is_uuid_like(image_id):
        raise exception.ImageNotFound(image_id=image_id)
    return '/v2/images/%s%s' % (image_id, suffix)


class API:
    """Glance calls on behalf of a request context; cheap to create."""

    def get(self, context, image_id):
        """The image's metadata (see ``normalize``)."""
        resp = _request(context, 'GET', _image_path(image_id))
        _check(resp, image_id)
        return normalize(resp.json())

    def download(self, context, image_id, dst_path):
        """Stream the image's data into the file ``dst_path``.

        The file is synced before returning, and removed when the
        download fails, so a partial image is never taken for a whole
        one.  Glance's Content-MD5 is checked, as glanceclient does.
        """
        resp = _request(context, 'GET', _image_path(image_id, '/file'),
                        stream=True)
        _check(resp, image_id)
        if resp.status_code == 204:
            resp.close()
            raise exception.ImageUnacceptable(
                image_id=image_id, reason='Image has no associated data')
        try:
            with resp, open(dst_path, 'wb') as dst:
                md5 = _copy(resp, dst)
                dst.flush()
                os.fsync(dst.fileno())
            _check_md5(resp, md5, image_id)
        except BaseException:
            _remove(dst_path)
            raise

    def create(self, context, image_meta):
        """A new, 'queued' image from ``image_meta`` (the keys of
        WRITABLE_KEYS and 'properties', whose values Glance wants as
        strings); its metadata.  An attribute wins over a property of
        its name (a snapshot's properties come from its request)."""
        body = dict(image_meta.get('properties') or {})
        body.update((key, image_meta[key]) for key in WRITABLE_KEYS
                    if key in image_meta)
        resp = _request(context, 'POST', '/v2/images', json=body)
        _check(resp, image_meta.get('id'))
        return normalize(resp.json())

    def upload(self, context, image_id, data):
        """Store ``data`` (bytes, a file or an iterator of bytes, sent
        as it is read) as the image's data; the image becomes active.

        Not retried: the data may be a stream, read once.
        """
        resp = _request(context, 'PUT', _image_path(image_id, '/file'),
                        retry=False, data=data,
                        headers={'Content-Type': 'application/octet-stream'})
        _check(resp, image_id)

    def update(self, context, image_id, values):
        """Set ``values`` (keys of WRITABLE_KEYS, and 'properties') on
        the image; its metadata.

        Glance v2 takes a JSON patch: a base attribute always exists
        (null until set), so it is replaced; a property is added, which
        the v2.1 patch media type lets overwrite one already there.
        """
        patch = [{'op': 'replace', 'path': '/%s' % key, 'value': value}
                 for key, value in values.items() if key in WRITABLE_KEYS]
        patch += [{'op': 'add', 'path': '/%s' % key, 'value': value}
                  for key, value in (values.get('properties') or {}).items()]
        resp = _request(context, 'PATCH', _image_path(image_id), json=patch,
                        headers={'Content-Type': PATCH_MEDIA_TYPE})
        _check(resp, image_id)
        return normalize(resp.json())

    def delete(self, context, image_id):
        """Delete the image (ImageNotFound if it is already gone)."""
        resp = _request(context, 'DELETE', _image_path(image_id))
        _check(resp, image_id)
        resp.close()

    def image_url(self, context, image_id):
        """Where a client finds the image: the image service's endpoint
        (one of them, as a call would pick it) and /images/<id>, the
        Location Nova's createImage answered before 2.45."""
        return '%s/images/%s' % (next(_endpoints(context)), image_id)


def _copy(resp, dst):
    """Write the response's body to ``dst``; its MD5 hex digest.

    A connection lost midway is the image service failing.
    """
    md5 = hashlib.md5(usedforsecurity=False)
    try:
        for chunk in resp.iter_content(CHUNK_SIZE):
            md5.update(chunk)
            dst.write(chunk)
    except requests.RequestException as e:
        raise exception.GlanceConnectionFailed(
            server=parse.urlsplit(resp.url).netloc, reason=e) from e
    return md5.hexdigest()


def _check_md5(resp, md5, image_id):
    expected = resp.headers.get('Content-MD5')
    if expected and expected != md5:
        raise exception.GlanceConnectionFailed(
            server=parse.urlsplit(resp.url).netloc,
            reason='corrupt download of image %s: MD5 %s, expected %s'
                   % (image_id, md5, expected))


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
