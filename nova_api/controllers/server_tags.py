"""Server tags (2.26): short strings a user attaches to a server and
filters the server list by.

The policy target is the project of the server's instance mapping, so
a server of another project is a 403 here, not a 404.  Reads need the
mapping only; changes need the server itself resting (active, paused,
suspended or stopped), as Nova checks.  A server holds at most 50
tags of 1 to 60 characters, without '/' or ','.
"""

import jsonschema
from oslo_serialization import jsonutils
import sqlalchemy as sa
import webob
import webob.exc

from common import states
from common.db import api_models as api
from common.db import engines
from common.db import main_models as main
from common.db import mappings
from nova_api import api_version
from nova_api import base
from nova_api import instance_list
from nova_api import links
from nova_api import policy
from nova_api import router
from nova_api import server_states
from nova_api import validation

POLICY = 'os_compute_api:os-server-tags:%s'
TAGS = '2.26'
MAX_TAG_COUNT = validation.MAX_TAG_COUNT
TAGGABLE = (states.ACTIVE, states.PAUSED, states.SUSPENDED, states.STOPPED)

update_all = {
    'type': 'object',
    'properties': {
        'tags': {'type': 'array', 'items': validation.tag,
                 'maxItems': MAX_TAG_COUNT},
    },
    'required': ['tags'],
    'additionalProperties': False,
}
# Adding one tag takes no body.
update = {'type': 'null'}


def _check_tag(name):
    """400 in Nova's words for a tag named in the URL that the schema
    would refuse in a body."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft4Validator(validation.tag).iter_errors(name))
    if error is not None:
        raise webob.exc.HTTPBadRequest(explanation=(
            "Tag '%s' is invalid. It must be a non empty string without "
            "characters '/' and ','. Validation error message: %s"
            % (name, error.message)))


class ServerTagsController(base.APIBase):

    def _cell(self, req, server_id, action):
        """The server's cell (None before placement), once the caller
        may ``action`` its tags; 404 for a server without a mapping."""
        mapping, cell = mappings.get_instance_mapping(self.api_url,
                                                      server_id)
        policy.authorize(req.nova_context, POLICY % action,
                         {'project_id': mapping.project_id})
        return cell

    def _tags(self, server_id, cell):
        """The server's tags, by name; a server not yet placed has
        those its build request holds."""
        if cell is None:
            with engines.reader(self.api_url) as session:
                stored = session.scalar(sa.select(api.BuildRequest.tags).where(
                    api.BuildRequest.instance_uuid == server_id))
            return sorted(jsonutils.loads(stored or '[]'))
        with engines.reader(cell.database_connection) as session:
            return list(session.scalars(
                sa.select(main.Tag.tag)
                .where(main.Tag.resource_id == server_id)
                .order_by(main.Tag.tag)))

    def _check_taggable(self, req, server_id, action):
        server = instance_list.get_server(self.api_url, req.nova_context,
                                          server_id, detail=False)
        server_states.require_vm_state(server.record, TAGGABLE, action,
                                       server_id)

    @api_version.versioned(TAGS)
    def index(self, req, server_id):
        cell = self._cell(req, server_id, 'index')
        return {'tags': self._tags(server_id, cell)}

    @api_version.versioned(TAGS)
    @router.response(204)
    def show(self, req, server_id, id):
        cell = self._cell(req, server_id, 'show')
        if id not in self._tags(server_id, cell):
            raise webob.exc.HTTPNotFound(
                explanation="Server %s has no tag '%s'" % (server_id, id))

    @api_version.versioned(TAGS)
    @router.body_optional
    @validation.schema(update)
    def update(self, req, server_id, id, body):
        """Add one tag: 201 with its Location, or 204 when the server
        has it already (the count is checked first, as Nova does)."""
        cell = self._cell(req, server_id, 'update')
        self._check_taggable(req, server_id, 'update tag')
        _check_tag(id)
        existing = self._tags(server_id, cell)
        if len(existing) >= MAX_TAG_COUNT:
            raise webob.exc.HTTPBadRequest(
                explanation='The number of tags exceeded the per-server '
                'limit %d' % MAX_TAG_COUNT)
        if id in existing:
            return _empty(204)
        self.conductor.instance_tag_add(req.nova_context, server_id, id)
        response = _empty(201)
        response.headers['Location'] = links.url_join(
            links.update_link_prefix(req.application_url), 'servers',
            server_id, 'tags', id)
        return response

    @api_version.versioned(TAGS)
    @validation.schema(update_all)
    def update_all(self, req, server_id, body):
        self._cell(req, server_id, 'update_all')
        self._check_taggable(req, server_id, 'update tags')
        return {'tags': self.conductor.instance_tags_set(
            req.nova_context, server_id, body['tags'])}

    @api_version.versioned(TAGS)
    @router.response(204)
    def delete(self, req, server_id, id):
        self._cell(req, server_id, 'delete')
        self._check_taggable(req, server_id, 'delete tag')
        self.conductor.instance_tag_delete(req.nova_context, server_id, id)

    @api_version.versioned(TAGS)
    @router.response(204)
    def delete_all(self, req, server_id):
        self._cell(req, server_id, 'delete_all')
        self._check_taggable(req, server_id, 'delete tags')
        self.conductor.instance_tags_delete_all(req.nova_context, server_id)


def _empty(code):
    """A response without a body (and so without a content type)."""
    response = webob.Response(status=code)
    response.content_type = None
    return response
