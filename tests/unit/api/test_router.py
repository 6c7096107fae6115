"""The pecan application of nova_api.router, driven through WSGI."""

import json

from pecan import core as pecan_core
from pecan import routing as pecan_routing
import webob

from nova_api import router


class Echo:
    def show(self, req, id):
        return {'id': id}


def _app():
    return router.make_app([('GET', '/things/{id}', Echo, 'show')],
                           microversions=False)


def test_a_route_answers_with_its_parameters():
    response = webob.Request.blank('/things/42').get_response(_app())
    assert response.status_int == 200
    assert json.loads(response.body) == {'id': '42'}


def test_an_unknown_path_is_a_404():
    response = webob.Request.blank('/nothing').get_response(_app())
    assert response.status_int == 404


def test_pecan_inspects_each_controller_signature_once():
    """pecan would build a namedtuple class per request to inspect the
    same two methods; the answers are now remembered per function."""
    first, second = router.Router([]), router.Router([])
    for module in (pecan_core, pecan_routing):
        spec = module.getargspec(first.dispatch)
        assert module.getargspec(second.dispatch) is spec
        assert spec.args == ['self', 'req', 'resp']
        assert module.getargspec(first._route).args == ['self', 'args',
                                                        'request']
