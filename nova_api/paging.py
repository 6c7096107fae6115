"""``limit`` and ``marker``: how a client pages through a list.

The limit is capped by ``[api] max_limit`` (also the default), so no
request can make the API read a whole table at once; the marker is the
id of the last item of the previous page.  ``links.collection_links``
builds the matching ``*_links`` of a full page.
"""

import webob.exc

from common import conf

CONF = conf.CONF


def _limit(value):
    try:
        limit = int(value)
    except ValueError:
        raise webob.exc.HTTPBadRequest(
            explanation='limit param must be an integer')
    if limit < 0:
        raise webob.exc.HTTPBadRequest(
            explanation='limit param must be positive')
    return limit


def limit_and_marker(req):
    """The page a request asks for: (limit, marker or None)."""
    limit = CONF.api.max_limit
    if 'limit' in req.GET:
        limit = min(limit, _limit(req.GET['limit']))
    return limit, req.GET.get('marker')
