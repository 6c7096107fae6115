"""What tools/aio.sh asks of the running cloud, over the REST APIs.

    aio_cloud.py wait URL         until URL answers (any HTTP status)
    aio_cloud.py identity         Keystone: project service, users nova
                                  and glance, the compute and image
                                  services with their endpoints
    aio_cloud.py image GUEST_JSON the test guest in Glance (kernel,
                                  ramdisk, qcow2 root that names them)
    aio_cloud.py flavors          the m1.* flavors
    aio_cloud.py server           the demo server, ACTIVE
    aio_cloud.py booted GUEST_JSON until its console log shows the
                                  guest's marker
    aio_cloud.py console          its noVNC console URL
    aio_cloud.py stop-servers     every ACTIVE server stopped

Each is idempotent: what exists is reused, so running aio.sh again
costs seconds.  The settings come from aio.sh's environment (AIO_*):
where Keystone is, the admin's password, the URLs of the endpoints.
Everything acts as Keystone's bootstrap admin, as an operator would
with the openrc aio.sh writes.
"""

import json
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

REGION = 'RegionOne'
DOMAIN_ID = 'default'
SERVICE_PROJECT = 'service'
IMAGE_NAME = 'novaclone-guest'
SERVER_NAME = 'aio-demo'
# The m1.* flavors of a fresh DevStack, ids included: (name, id, MiB,
# GiB, vCPUs).
FLAVORS = (('m1.tiny', '1', 512, 1, 1), ('m1.small', '2', 2048, 20, 1),
           ('m1.medium', '3', 4096, 40, 2), ('m1.large', '4', 8192, 80, 4),
           ('m1.xlarge', '5', 16384, 160, 8))
DEMO_FLAVOR = 'm1.tiny'
# Under TCG on a busy 2-core machine a boot takes ~10-35 s.
BOOT_TIMEOUT = 180
# The version the demo's requests ask for: networks 'none' needs 2.37.
MICROVERSION = '2.37'


class AioError(Exception):
    """A step cannot finish; the message says why, without a traceback."""


def _env(name):
    try:
        return os.environ[name]
    except KeyError:
        raise AioError('%s is not set: run tools/aio.sh' % name) from None


def _session():
    auth = v3.Password(
        auth_url=_env('AIO_KEYSTONE_URL') + '/v3', username='admin',
        password=_env('AIO_ADMIN_PASSWORD'), project_name='admin',
        user_domain_id=DOMAIN_ID, project_domain_id=DOMAIN_ID)
    return ks_session.Session(auth=auth)


def _identity(session):
    return adapter.Adapter(session, endpoint_override=(
        _env('AIO_KEYSTONE_URL') + '/v3'))


def _compute(session):
    return adapter.Adapter(session, service_type='compute',
                           interface='public', region_name=REGION,
                           default_microversion=MICROVERSION)


def _image(session):
    return adapter.Adapter(session, service_type='image', interface='public',
                           region_name=REGION)


# --- Keystone ----------------------------------------------------------------

def identity():
    """The service project, the service users and the catalog entries."""
    keystone = _identity(_session())
    project = _ensure(keystone, 'projects', SERVICE_PROJECT,
                      {'domain_id': DOMAIN_ID})
    admin_role = _find(keystone, 'roles', 'admin')
    for user, password_variable in (('nova', 'AIO_NOVA_PASSWORD'),
                                    ('glance', 'AIO_GLANCE_PASSWORD')):
        user_ref = _ensure(keystone, 'users', user, {'domain_id': DOMAIN_ID})
        # The password of aio.sh's password file wins, also over one of
        # an earlier run whose state was wiped.
        keystone.patch('/users/' + user_ref['id'], json={
            'user': {'password': _env(password_variable)}})
        keystone.put('/projects/%s/users/%s/roles/%s' % (
            project['id'], user_ref['id'], admin_role['id']))
    _ensure_service(keystone, 'compute', 'nova', 'OpenStack Compute',
                    _env('AIO_COMPUTE_URL'))
    _ensure_service(keystone, 'image', 'glance', 'OpenStack Image',
                    _env('AIO_IMAGE_URL'))


def _find(keystone, collection, name, **filters):
    found = keystone.get('/' + collection,
                         params=dict(filters, name=name)).json()[collection]
    return found[0] if found else None


def _ensure(keystone, collection, name, body):
    existing = _find(keystone, collection, name)
    if existing:
        return existing
    singular = collection[:-1]
    return keystone.post('/' + collection, json={
        singular: dict(body, name=name)}).json()[singular]


def _ensure_service(keystone, service_type, name, description, url):
    """The service and its three endpoints, moved to ``url`` if they
    point elsewhere (a changed port or address)."""
    services = keystone.get('/services', params={
        'type': service_type}).json()['services']
    service = next((s for s in services if s['name'] == name), None)
    if service is None:
        service = keystone.post('/services', json={'service': {
            'type': service_type, 'name': name,
            'description': description}}).json()['service']
    endpoints = keystone.get('/endpoints', params={
        'service_id': service['id']}).json()['endpoints']
    for interface in ('public', 'internal', 'admin'):
        endpoint = next((e for e in endpoints
                         if e['interface'] == interface), None)
        if endpoint is None:
            keystone.post('/endpoints', json={'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'region_id': REGION, 'url': url}})
        elif endpoint['url'] != url:
            keystone.patch('/endpoints/' + endpoint['id'],
                           json={'endpoint': {'url': url}})


# --- Glance and flavors ------------------------------------------------------

def image(guest_json):
    """The direct-boot trio of the test guest, uploaded once."""
    guest = json.loads(pathlib.Path(guest_json).read_text())
    glance = _image(_session())
    if _active_image(glance, IMAGE_NAME):
        return
    kernel = _upload(glance, IMAGE_NAME + '-kernel', guest['kernel'],
                     'aki', 'aki')
    ramdisk = _upload(glance, IMAGE_NAME + '-ramdisk', guest['ramdisk'],
                      'ari', 'ari')
    _upload(glance, IMAGE_NAME, guest['root_qcow2'], 'qcow2', 'bare',
            kernel_id=kernel['id'], ramdisk_id=ramdisk['id'])


def _active_image(glance, name):
    images = glance.get('/v2/images', params={'name': name}).json()['images']
    return next((i for i in images if i['status'] == 'active'), None)


def _upload(glance, name, path, disk_format, container_format, **props):
    existing = _active_image(glance, name)
    if existing:
        return existing
    created = glance.post('/v2/images', json=dict(
        props, name=name, disk_format=disk_format,
        container_format=container_format, visibility='public')).json()
    with open(path, 'rb') as data:
        glance.put('/v2/images/%s/file' % created['id'], data=data,
                   headers={'Content-Type': 'application/octet-stream'})
    return created


def flavors():
    compute = _compute(_session())
    existing = {f['name'] for f in compute.get(
        '/flavors', params={'is_public': 'None'}).json()['flavors']}
    for name, flavor_id, ram, disk, vcpus in FLAVORS:
        if name not in existing:
            compute.post('/flavors', json={'flavor': {
                'name': name, 'id': flavor_id, 'ram': ram, 'disk': disk,
                'vcpus': vcpus}})


# --- the demo server ---------------------------------------------------------

def server():
    """aio-demo, booted if missing, started if stopped; ACTIVE."""
    session = _session()
    compute = _compute(session)
    demo = _demo_server(compute)
    if demo is None:
        image_ref = _active_image(_image(session), IMAGE_NAME)
        demo = compute.post('/servers', json={'server': {
            'name': SERVER_NAME, 'imageRef': image_ref['id'],
            'flavorRef': _flavor_id(compute, DEMO_FLAVOR),
            'networks': 'none'}}).json()['server']
    elif demo['status'] == 'SHUTOFF':
        compute.post('/servers/%s/action' % demo['id'],
                     json={'os-start': None})
    _wait_status(compute, demo['id'], 'ACTIVE')


def _demo_server(compute):
    servers = compute.get('/servers/detail', params={
        'name': '^%s$' % SERVER_NAME}).json()['servers']
    usable = [s for s in servers if s['status'] != 'ERROR']
    return usable[0] if usable else None


def _flavor_id(compute, name):
    for flavor in compute.get('/flavors').json()['flavors']:
        if flavor['name'] == name:
            return flavor['id']
    raise AioError('no flavor %s: run aio_cloud.py flavors' % name)


def _wait_status(compute, server_id, status, timeout=BOOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        body = compute.get('/servers/' + server_id).json()['server']
        if body['status'] == status and body.get('OS-EXT-STS:task_state') \
                is None:
            return body
        if body['status'] == 'ERROR':
            fault = body.get('fault', {})
            raise AioError('server %s went ERROR: %s' % (
                server_id, fault.get('message', 'no fault recorded')))
        if time.monotonic() > deadline:
            raise AioError('server %s is %s after %ds, not %s' % (
                server_id, body['status'], timeout, status))
        time.sleep(0.5)


def booted(guest_json):
    """Until the console log shows the guest's marker: a real boot."""
    marker = json.loads(pathlib.Path(guest_json).read_text())['marker']
    compute = _compute(_session())
    demo = _require_demo(compute)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        output = compute.post('/servers/%s/action' % demo['id'], json={
            'os-getConsoleOutput': {'length': 50}}).json()['output']
        if marker in output:
            return
        time.sleep(1)
    raise AioError('%s: no %r in its console log after %ds' % (
        SERVER_NAME, marker, BOOT_TIMEOUT))


def _require_demo(compute):
    demo = _demo_server(compute)
    if demo is None:
        raise AioError('no server %s: run aio_cloud.py server' % SERVER_NAME)
    return demo


def console():
    compute = _compute(_session())
    demo = _require_demo(compute)
    body = compute.post('/servers/%s/remote-consoles' % demo['id'], json={
        'remote_console': {'protocol': 'vnc', 'type': 'novnc'}},
        microversion='2.6').json()
    print(body['remote_console']['url'])


def stop_servers():
    """Stop every ACTIVE server (of every project), and wait for it."""
    compute = _compute(_session())
    active = compute.get('/servers/detail', params={
        'all_tenants': 1, 'status': 'ACTIVE'}).json()['servers']
    for body in active:
        compute.post('/servers/%s/action' % body['id'],
                     json={'os-stop': None})
    for body in active:
        _wait_status(compute, body['id'], 'SHUTOFF')


def wait(url, timeout='60'):
    """Until ``url`` gives any HTTP answer: the server is listening."""
    deadline = time.monotonic() + float(timeout)
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError as e:
            if time.monotonic() > deadline:
                raise AioError('%s does not answer: %s' % (url, e)) from e
            time.sleep(0.2)


COMMANDS = {'wait': wait, 'identity': identity, 'image': image,
            'flavors': flavors, 'server': server, 'booted': booted,
            'console': console, 'stop-servers': stop_servers}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        COMMANDS[argv[1]](*argv[2:])
    except (AioError, ks_exceptions.ClientException) as e:
        print('ERROR: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
