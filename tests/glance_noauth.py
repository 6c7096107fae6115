"""noauth2 for the tests' Glance: ``X-Auth-Token: user:project``.

This module runs inside Glance (``tests/glance_fixture.py`` copies it
next to Glance's WSGI module and names it in the paste pipeline,
before Glance's own ``context`` middleware): it may import only the
standard library.

It stands where keystonemiddleware's auth_token would, turning the
token nova-api's noauth2 believes (``user:project``; a bare ``user`` is
its own project; the user ``admin`` is an administrator) into the
headers auth_token would set.  Glance then applies its real policies to
a real project: images are owned, private images of other projects are
invisible, and a deactivated image can be read by admins only, as
nova-api and nova-compute see them in a cloud.  A request without a
token stays anonymous, which Glance refuses (401).
"""

ADMIN_ROLES = 'admin,member,reader'
MEMBER_ROLES = 'member,reader'


def filter_factory(global_conf, **local_conf):
    """The paste entry point (``paste.filter_factory``)."""
    return NoAuth


class NoAuth:
    """WSGI middleware: the caller's identity, read from the token."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        token = environ.get('HTTP_X_AUTH_TOKEN')
        if token:
            user, _sep, project = token.partition(':')
            environ.update(
                HTTP_X_IDENTITY_STATUS='Confirmed',
                HTTP_X_USER_ID=user,
                HTTP_X_PROJECT_ID=project or user,
                HTTP_X_ROLES=(ADMIN_ROLES if user == 'admin'
                              else MEMBER_ROLES))
        return self.application(environ, start_response)
