"""Small helpers that more than one daemon or command needs."""

import re

# user:password@ right after the scheme or after a comma (oslo.messaging
# transport URLs list several hosts: rabbit://u:p@h1,u:p@h2/).
_CREDENTIALS = re.compile(r'(?P<lead>://|,)(?P<user>[^:/@,]*):[^@/,]*@')


def mask_url(url):
    """Hide the passwords of a database or transport URL behind ``****``.

    Operators paste ``nova-manage`` output into bug reports; the password
    must not travel with it.
    """
    if not url:
        return url
    return _CREDENTIALS.sub(r'\g<lead>\g<user>:****@', url)
