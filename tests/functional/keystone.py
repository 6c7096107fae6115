"""A real Keystone for functional tests, so tokens are Keystone's own.

Our nova-api validates tokens with keystonemiddleware as Nova does; a
fake identity service would only prove that we agree with ourselves.
Keystone runs from its own virtualenv (``tools/lib.sh``'s
``keystone_env`` makes ``.venv-keystone``) because it pins oslo.* and
SQLAlchemy versions of its own.  It serves on a free loopback port
under gunicorn, on a SQLite file: nothing outlives the test session.

The cloud it holds, in domain Default::

    admin  admin of project admin (made by keystone-manage bootstrap)
    alice  member of project-a
    bob    member of project-b
    rita   reader of project-a
    nova   service and admin of project service (the service user
           keystonemiddleware authenticates as, as in Nova's guide)
"""

import getpass
import grp
import os
import pathlib
import secrets
import subprocess
import sys

import requests

from tests import gunicorn_service

VENV = gunicorn_service.venv_path('NOVA_KEYSTONE_VENV', '.venv-keystone')
REGION = 'RegionOne'
DOMAIN = 'Default'
# The id bootstrap gives it ([identity] default_domain_id).
DOMAIN_ID = 'default'

# (user, project, role) granted over the REST API after bootstrap.
GRANTS = (
    ('alice', 'project-a', 'member'),
    ('bob', 'project-b', 'member'),
    ('rita', 'project-a', 'reader'),
    ('nova', 'service', 'service'),
    ('nova', 'service', 'admin'),
)
PROJECTS = ('project-a', 'project-b', 'service')

CONF_TEMPLATE = '''\
[DEFAULT]
log_file = {dir}/keystone.log

[database]
connection = sqlite:///{dir}/keystone.sqlite

[token]
provider = fernet

[fernet_tokens]
key_repository = {dir}/fernet-keys

[fernet_receipts]
key_repository = {dir}/fernet-keys

[credential]
key_repository = {dir}/credential-keys

[identity]
# bcrypt's minimum: tests hash a password per user and per token.
password_hash_rounds = 4
# bcrypt reads 72 bytes; a longer limit logs a warning per hash.
max_password_length = 72
'''


class KeystoneError(gunicorn_service.ServiceError):
    """Keystone did not start or answer; the message holds its logs."""


class Keystone:
    """One Keystone: configuration, database, keys and a gunicorn."""

    def __init__(self, workdir, venv=VENV, workers=2):
        self.workdir = pathlib.Path(workdir)
        self.venv = pathlib.Path(venv)
        self.server = gunicorn_service.GunicornService(
            'keystone', venv, workdir, 'keystone.wsgi.api',
            env={'OS_KEYSTONE_CONFIG_FILES': str(self.conf_file)},
            log_files=['keystone.log'], workers=workers)
        self.passwords = {name: 'secret-%s-%s' % (name, secrets.token_hex(4))
                          for name in ('admin', 'alice', 'bob', 'rita',
                                       'nova')}
        self.port = None
        self.project_ids = {}
        self.user_ids = {}
        self._compute_endpoint = None
        self._admin_token = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def auth_url(self):
        return self.url + '/v3'

    @property
    def conf_file(self):
        return self.workdir / 'keystone.conf'

    def start(self, compute_url=None):
        """Set Keystone up, serve it and fill it; stop it on failure."""
        if not (self.venv / 'bin' / 'keystone-manage').exists():
            raise KeystoneError(
                'no Keystone in %s: run tools/run-tests.sh (or, in bash, '
                '". tools/lib.sh; keystone_env")' % self.venv)
        try:
            with gunicorn_service.listening_socket() as sock:
                self.port = sock.getsockname()[1]
                self.conf_file.write_text(
                    CONF_TEMPLATE.format(dir=self.workdir))
                self._setup_keys_and_schema()
                # The workers import Keystone (seconds) while bootstrap
                # runs: they touch the database only when asked.
                self.server.serve(sock)
            self._bootstrap()
            self.server.wait_ready(self.auth_url)
            self._populate()
            if compute_url:
                self.set_compute_endpoint(compute_url)
        except BaseException as e:
            self.stop()
            if isinstance(e, gunicorn_service.ServiceError):
                raise
            raise KeystoneError('%s\n%s' % (e, self.logs())) from e
        return self

    def stop(self):
        """Stop gunicorn (master and workers); the SQLite file stays."""
        self.server.stop()

    # Set-up, in the order of Keystone's install guide.

    def _manage(self, *args):
        gunicorn_service.check_command(self._manage_async(*args))

    def _setup_keys_and_schema(self):
        """db_sync alongside the key set-ups: they share nothing."""
        owner = ('--keystone-user', getpass.getuser(),
                 '--keystone-group', grp.getgrgid(os.getgid()).gr_name)
        procs = [self._manage_async('fernet_setup', *owner),
                 self._manage_async('credential_setup', *owner),
                 self._manage_async('db_sync')]
        for proc in procs:
            gunicorn_service.check_command(proc)

    def _bootstrap(self):
        self._manage('bootstrap',
                     '--bootstrap-password', self.passwords['admin'],
                     '--bootstrap-public-url', self.auth_url,
                     # keystonemiddleware's default interface.
                     '--bootstrap-internal-url', self.auth_url,
                     '--bootstrap-admin-url', self.auth_url,
                     '--bootstrap-region-id', REGION)

    def _manage_async(self, *args):
        return gunicorn_service.start_command(
            self.server.bin('keystone-manage'),
            '--config-file', self.conf_file, *args)

    def _populate(self):
        """Projects, users and role assignments, over the REST API."""
        roles = {r['name']: r['id'] for r in self.admin('GET', '/roles')
                 .json()['roles']}
        for name in PROJECTS:
            self.project_ids[name] = self._create('projects', {
                'name': name, 'domain_id': DOMAIN_ID})
        for user, project, _role in GRANTS:
            if user not in self.user_ids:
                self.user_ids[user] = self._create('users', {
                    'name': user, 'domain_id': DOMAIN_ID,
                    'password': self.passwords[user],
                    'default_project_id': self.project_ids[project]})
        for user, project, role in GRANTS:
            self.admin('PUT', '/projects/%s/users/%s/roles/%s' % (
                self.project_ids[project], self.user_ids[user], roles[role]))

    def _create(self, collection, body):
        singular = collection[:-1]
        resp = self.admin('POST', '/' + collection, json={singular: body})
        return resp.json()[singular]['id']

    # What tests use.

    def admin(self, method, path, **kwargs):
        """One request to Keystone's API as the bootstrap admin.

        ``path`` is below /v3.  Fails on any error status: the set-up
        and the tests want to know at once.
        """
        headers = dict(kwargs.pop('headers', {}))
        for fresh in (False, True):
            if fresh or not self._admin_token:
                self._admin_token = self.token('admin', 'admin')
            headers['X-Auth-Token'] = self._admin_token
            resp = requests.request(method, self.auth_url + path,
                                    headers=headers, timeout=30, **kwargs)
            # A session can outlive a token (an hour by default).
            if resp.status_code != 401:
                break
        if resp.status_code >= 400:
            raise KeystoneError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text))
        return resp

    def token(self, user, project):
        """A project-scoped token for ``user``, by password."""
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'name': DOMAIN},
                'password': self.passwords[user]}}},
            'scope': {'project': {'name': project,
                                  'domain': {'name': DOMAIN}}}}}
        resp = requests.post(self.auth_url + '/auth/tokens', json=body,
                             timeout=30)
        if resp.status_code != 201:
            raise KeystoneError('no token for %s in %s: %s %s' % (
                user, project, resp.status_code, resp.text))
        return resp.headers['X-Subject-Token']

    def project_id(self, name):
        """The id of a project of domain Default, e.g. for assertions."""
        if name not in self.project_ids:
            resp = self.admin('GET', '/projects', params={'name': name})
            self.project_ids[name] = resp.json()['projects'][0]['id']
        return self.project_ids[name]

    def validate(self, token):
        """The token's body as Keystone sees it (project, roles...)."""
        resp = self.admin('GET', '/auth/tokens',
                          headers={'X-Subject-Token': token})
        return resp.json()['token']

    def env(self, user, project):
        """The OS_* variables with which ``openstack`` acts as ``user``."""
        return {
            'OS_AUTH_URL': self.auth_url,
            'OS_USERNAME': user,
            'OS_PASSWORD': self.passwords[user],
            'OS_PROJECT_NAME': project,
            'OS_USER_DOMAIN_NAME': DOMAIN,
            'OS_PROJECT_DOMAIN_NAME': DOMAIN,
            'OS_IDENTITY_API_VERSION': '3',
            'OS_REGION_NAME': REGION,
            'OS_INTERFACE': 'public',
        }

    def openstack(self, user, project, *args):
        """Run the ``openstack`` CLI of our venv; its stdout.

        OS_* variables of the caller's environment are dropped so a
        developer's own cloud never leaks in.
        """
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env.update(self.env(user, project))
        cli = os.path.join(os.path.dirname(sys.executable), 'openstack')
        proc = subprocess.run([cli, *args], env=env, capture_output=True,
                              text=True, timeout=120)
        if proc.returncode:
            raise AssertionError('openstack %s failed (%d): %s' % (
                ' '.join(args), proc.returncode, proc.stderr))
        return proc.stdout

    def set_compute_endpoint(self, url):
        """Point the catalog's compute service at ``url`` (public).

        The first call creates the ``nova`` service of type compute;
        later ones move its endpoint, so one Keystone serves every
        test's nova-api in turn.
        """
        if self._compute_endpoint:
            self.admin('PATCH', '/endpoints/' + self._compute_endpoint,
                       json={'endpoint': {'url': url}})
            return
        service_id = self._create('services', {
            'type': 'compute', 'name': 'nova',
            'description': 'OpenStack Compute'})
        self._compute_endpoint = self._create('endpoints', {
            'service_id': service_id, 'interface': 'public',
            'region_id': REGION, 'url': url})

    def authtoken_options(self):
        """nova.conf's [keystone_authtoken], as in Nova's install guide.

        Unversioned URLs as there: keystoneauth discovers v3 itself.
        memcached_servers is left unset: keystonemiddleware then caches
        validated tokens in its process.
        """
        return {
            'www_authenticate_uri': self.url + '/',
            'auth_url': self.url + '/',
            'auth_type': 'password',
            'project_domain_name': DOMAIN,
            'user_domain_name': DOMAIN,
            'project_name': 'service',
            'username': 'nova',
            'password': self.passwords['nova'],
        }

    def authtoken_conf(self):
        """The [keystone_authtoken] section's text, for nova.conf."""
        return '[keystone_authtoken]\n' + ''.join(
            '%s = %s\n' % item for item in self.authtoken_options().items())

    def logs(self, lines=40):
        """The tails of Keystone's logs, to explain a failure."""
        return self.server.logs(lines)
