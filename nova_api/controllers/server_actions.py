"""The server actions that change its power or lock, its console, and
createImage.

``POST /servers/{id}/action`` with ``os-stop``, ``os-start``,
``reboot``, ``pause``, ``unpause``, ``suspend``, ``resume``, ``lock``,
``unlock``, ``createImage`` (202) or ``os-getConsoleOutput`` (200).
ServersController dispatches here; each handler checks its policy on
the server's project, and ``nova_api.compute_api`` the server's lock
and states before the host is asked.
"""

import re

import webob
import webob.exc

from nova_api import actions
from nova_api import base
from nova_api import compute_api
from nova_api import policy
from nova_api import validation
from nova_api.schemas import server_actions as schemas

SERVERS = 'os_compute_api:servers:%s'
PAUSE = 'os_compute_api:os-pause-server:%s'
SUSPEND = 'os_compute_api:os-suspend-server:%s'
LOCK = 'os_compute_api:os-lock-server:%s'
CONSOLE_OUTPUT = 'os_compute_api:os-console-output'
# Up to 2.38 (the image proxy API's last version) a snapshot's metadata
# counts against the metadata_items quota; 2.45 answers the image id in
# the body instead of a Location header.
IMAGE_METADATA_QUOTA_MAX_VERSION = '2.38'
IMAGE_ID_BODY_VERSION = '2.45'
# Nova strips control characters but tab, newline and carriage return
# from the console text (left over from its XML days).
_CONTROL_CHARACTERS = re.compile('[\x00-\x08\x0B-\x1F]')


class ServerActions(base.APIBase):
    """Handlers of one body key each, called as ``handler(req, id,
    body=body)``."""

    def __init__(self, compute):
        super().__init__()
        self.compute_api = compute

    def handlers(self):
        return {'os-stop': self._stop, 'os-start': self._start,
                'reboot': self._reboot, 'pause': self._pause,
                'unpause': self._unpause, 'suspend': self._suspend,
                'resume': self._resume, 'lock': self._lock,
                'unlock': self._unlock,
                'os-getConsoleOutput': self._get_console_output,
                'createImage': self._create_image}

    def _power(self, req, server_id, rule, task, **cast_args):
        record = self.authorized_record(req, server_id, rule)
        self.compute_api.power_action(req.nova_context, record, task,
                                      **cast_args)

    @validation.schema(schemas.stop)
    def _stop(self, req, id, body):
        self._power(req, id, SERVERS % 'stop', compute_api.STOP)

    @validation.schema(schemas.start)
    def _start(self, req, id, body):
        self._power(req, id, SERVERS % 'start', compute_api.START)

    @validation.schema(schemas.reboot)
    def _reboot(self, req, id, body):
        reboot_type = body['reboot']['type'].upper()
        task = (compute_api.REBOOT_HARD if reboot_type == 'HARD'
                else compute_api.REBOOT_SOFT)
        self._power(req, id, SERVERS % 'reboot', task,
                    reboot_type=reboot_type)

    @validation.schema(schemas.pause)
    def _pause(self, req, id, body):
        self._power(req, id, PAUSE % 'pause', compute_api.PAUSE)

    @validation.schema(schemas.unpause)
    def _unpause(self, req, id, body):
        self._power(req, id, PAUSE % 'unpause', compute_api.UNPAUSE)

    @validation.schema(schemas.suspend)
    def _suspend(self, req, id, body):
        self._power(req, id, SUSPEND % 'suspend', compute_api.SUSPEND)

    @validation.schema(schemas.resume)
    def _resume(self, req, id, body):
        self._power(req, id, SUSPEND % 'resume', compute_api.RESUME)

    @validation.schema(schemas.lock, '2.1', '2.72')
    @validation.schema(schemas.lock_v273, '2.73')
    def _lock(self, req, id, body):
        record = self.authorized_record(req, id, LOCK % 'lock')
        reason = None
        if req.api_version_request >= '2.73' and body['lock'] is not None:
            reason = body['lock'].get('locked_reason')
        self.compute_api.lock(req.nova_context, record, reason=reason)

    @validation.schema(schemas.unlock)
    def _unlock(self, req, id, body):
        context = req.nova_context
        record = self.authorized_record(req, id, LOCK % 'unlock')
        if not self.compute_api.is_expected_locked_by(context, record):
            policy.authorize(context, LOCK % 'unlock:unlock_override',
                             {'project_id': record['project_id']})
        self.compute_api.unlock(context, record)

    @validation.schema(schemas.get_console_output)
    def _get_console_output(self, req, id, body):
        record = self.authorized_record(req, id, CONSOLE_OUTPUT)
        length = body['os-getConsoleOutput'].get('length')
        try:
            output = self.compute_api.get_console_output(
                req.nova_context, record,
                tail_length=None if length is None else int(length))
        except NotImplementedError:
            raise webob.exc.HTTPNotImplemented(
                explanation='Unable to get console log, functionality not '
                            'implemented')
        return actions.ok({'output': _CONTROL_CHARACTERS.sub('', output)})

    @validation.schema(schemas.create_image)
    def _create_image(self, req, id, body):
        """Snapshot the server's root disk as a new image: the image
        exists (queued) when the answer comes, the host uploads it."""
        context = req.nova_context
        record = self.authorized_record(req, id, SERVERS % 'create_image')
        name = body['createImage']['name']
        metadata = body['createImage'].get('metadata') or {}
        if req.api_version_request <= IMAGE_METADATA_QUOTA_MAX_VERSION:
            self.compute_api.check_image_metadata_quota(context, metadata)
        image = self.compute_api.snapshot(context, record, name,
                                          extra_properties=metadata)
        if req.api_version_request >= IMAGE_ID_BODY_VERSION:
            return {'image_id': image['id']}
        response = webob.Response(status=202, content_type=None)
        response.headers['Location'] = self.compute_api.image_api.image_url(
            context, image['id'])
        return response
