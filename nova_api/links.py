"""Links in responses: version documents, resources and the next page
of a list.

``[api] compute_link_prefix`` replaces the scheme, host and leading path
of the request's own URL, for an API behind a proxy that clients reach
under another address.
"""

import re
from urllib import parse

from common import conf

CONF = conf.CONF
# The version root ending an application URL: /v2, /v2.1.
_VERSION_SUFFIX = re.compile(r'/v[0-9]+(\.[0-9]+)?/?$')


def url_join(*parts):
    """Join with single slashes; an empty last part leaves a trailing
    slash."""
    parts = parts or ('',)
    joined = [part.strip('/') for part in parts if part]
    if not parts[-1]:
        joined.append('')
    return '/'.join(joined)


def update_link_prefix(url):
    prefix = CONF.api.compute_link_prefix
    if not prefix:
        return url
    url_parts = list(parse.urlsplit(url))
    prefix_parts = parse.urlsplit(prefix)
    url_parts[0:2] = prefix_parts[0:2]
    url_parts[2] = prefix_parts[2] + url_parts[2]
    return parse.urlunsplit(url_parts).rstrip('/')


def collection_links(req, items, collection_name, id_key='id'):
    """``[{"rel": "next", "href": ...}]`` when the page is full.

    A page is full when it holds as many items as the limit asked (or
    ``[api] max_limit``); the next page starts after its last item.
    """
    limit = req.params.get('limit')
    if limit is None or int(limit) > CONF.api.max_limit:
        limit = CONF.api.max_limit
    if not items or int(limit) != len(items):
        return []
    params = dict(sorted(req.params.items()))
    params['marker'] = items[-1][id_key]
    href = url_join(update_link_prefix(req.application_url),
                    collection_name)
    return [{'rel': 'next', 'href': '%s?%s' % (href, parse.urlencode(params))}]


def _without_version(url):
    """'http://host/compute/v2.1' -> 'http://host/compute'."""
    parts = list(parse.urlsplit(url))
    parts[2] = _VERSION_SUFFIX.sub('', parts[2])
    return parse.urlunsplit(parts)


def resource_links(req, collection_name, identifier):
    """A resource's ``self`` link (under the version root) and its
    ``bookmark`` (without the version, valid whatever version a client
    later uses)."""
    return [
        {'rel': 'self',
         'href': url_join(update_link_prefix(req.application_url),
                          collection_name, str(identifier))},
        {'rel': 'bookmark',
         'href': url_join(
             update_link_prefix(_without_version(req.application_url)),
             collection_name, str(identifier))},
    ]
