"""A real guest's console in a real browser, end to end.

The cloud of rest_cloud.py (real QEMU guests) plus nova-novncproxy on a
free port, and nova-compute told that port in ``[vnc]
novncproxy_base_url`` (with noVNC's ``vnc_lite.html``, which connects
on load), so the URL the API hands out is opened as it is.  Headless
Chromium (chromium.py) loads it; the test waits for noVNC's status to
read "Connected" and for the guest's marker to be drawn on noVNC's
canvas, then saves a screenshot and checks it: not blank, and the
marker there.

The guest prints its marker on the VGA console black on green
(guest_image.MARKER_BACKGROUND), a background no kernel message has:
pixels of that colour, as many as a line of the marker covers, show
the marker is on the screen without reading its text.
"""

import itertools

import pytest

from tests.functional import daemons
from tests.integration import chromium
from tests.integration import guest_image
from tests.integration import rest_cloud as rc

pytestmark = [
    pytest.mark.usefixtures('clouds_service_down_time'),
    pytest.mark.skipif(not chromium.available(),
                       reason='chromium is not installed: run '
                       '". tools/lib.sh; chromium_env"'),
]

NOVNC_PAGE = 'vnc_lite.html'
CONNECT_TIMEOUT = 60
DRAW_TIMEOUT = 60
# A VGA text cell is 9x16; the marker's green is what its glyphs leave
# of its cells, about three quarters.  Half is a safe floor.
MARKER_PIXELS = len(guest_image.MARKER) * 9 * 16 // 2
# How far a pixel of the marker's background may be from its colour:
# exact over VNC's lossless encodings, near it after a lossy one.
TOLERANCE = 0x30
STATUS = "document.getElementById('status').textContent"
MARKER_PIXELS_ON_CANVAS = '''(() => {
    const [R, G, B] = %s;
    const near = (value, wanted) => Math.abs(value - wanted) <= %d;
    const canvas = document.querySelector('#screen canvas');
    if (!canvas || !canvas.width) return 0;
    const data = canvas.getContext('2d').getImageData(
        0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
        if (near(data[i], R) && near(data[i + 1], G) &&
                near(data[i + 2], B)) n++;
    return n;
})()''' % (list(guest_image.MARKER_BACKGROUND), TOLERANCE)


@pytest.fixture(scope='module')
def novnc_url(cloud):
    """Start nova-novncproxy on a free port and restart nova-compute
    with a base URL on that port; the proxy's address."""
    port = daemons.free_port()
    address = 'http://127.0.0.1:%d/' % port
    novnc_conf = cloud.conf_file('novnc-browser.conf', (
        '[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = %d\n'
        'novncproxy_base_url = %s%s\n') % (port, address, NOVNC_PAGE))
    _restart_compute(cloud, novnc_conf)
    cloud.start('nova-novncproxy', *_extra_conf_files(cloud, 'nova-compute'))
    cloud.wait_for(lambda: cloud.up().get(('nova-novncproxy', cloud.host)),
                   timeout=60)
    return address


def _extra_conf_files(cloud, binary):
    """The config files ``binary`` runs with besides nova.conf."""
    args = cloud.procs[binary].args
    files = [value for option, value in itertools.pairwise(args)
             if option == '--config-file']
    return files[1:]


def _restart_compute(cloud, extra_conf):
    """nova-compute again, reading ``extra_conf`` too; once it beats.

    The compute reads ``novncproxy_base_url`` for the URLs it makes,
    and rest_cloud.py started it before this module chose a port.
    """
    conf_files = _extra_conf_files(cloud, 'nova-compute') + [extra_conf]
    old = cloud.procs['nova-compute']
    old.terminate()
    old.wait(timeout=60)
    before = _compute_report_count(cloud)
    cloud.start('nova-compute', *conf_files)

    def beating():
        """the restarted nova-compute's first heartbeat"""
        return _compute_report_count(cloud) > before
    cloud.wait_for(beating, timeout=120)


def _compute_report_count(cloud):
    service, = [s for s in cloud.services()
                if s['binary'] == 'nova-compute' and s['host'] == cloud.host]
    return service['report_count']


@pytest.fixture
def browser(tmp_path):
    with chromium.Browser(tmp_path / 'chromium') as b:
        yield b


def is_marker_background(pixel):
    return all(abs(value - wanted) <= TOLERANCE for value, wanted
               in zip(pixel[:3], guest_image.MARKER_BACKGROUND, strict=True))


def _status(page):
    """noVNC's status line, or why it cannot be read."""
    try:
        return repr(page.evaluate(STATUS))
    except chromium.DevToolsError as e:
        return 'unknown (%s)' % e


def console_url(cloud, server_id):
    response = cloud.api('POST', '/servers/%s/remote-consoles' % server_id,
                         version='2.6', json={'remote_console': {
                             'protocol': 'vnc', 'type': 'novnc'}})
    assert response.status_code == 200, response.text
    return response.json()['remote_console']['url']


def test_guest_console_in_headless_chromium(cloud, guest, novnc_url,
                                            browser, tmp_path):
    server_id, _shown, _to_active, _to_marker = rc.boot_active(
        cloud, 'browser-console', guest['marker'])
    url = console_url(cloud, server_id)
    assert url.startswith(novnc_url + NOVNC_PAGE + '?path=%3Ftoken%3D'), url

    page = browser.new_page()
    page.navigate(url)
    try:
        status = page.wait_for(
            "%s.startsWith('Connected') && %s" % (STATUS, STATUS),
            timeout=CONNECT_TIMEOUT)
        page.wait_for('%s >= %d' % (MARKER_PIXELS_ON_CANVAS, MARKER_PIXELS),
                      timeout=DRAW_TIMEOUT)
    except chromium.DevToolsError as e:
        raise AssertionError('%s\nnoVNC status: %s\n%s' % (
            e, _status(page), cloud.logs())) from None
    screenshot = tmp_path / 'console.png'
    screenshot.write_bytes(page.screenshot())
    print('\n[screenshot] %s' % screenshot)

    assert 'instance-%s' % server_id in status, status
    picture = chromium.decode_png(screenshot.read_bytes())
    assert not chromium.is_blank(picture)
    green = sum(1 for pixel in chromium.pixels(picture)
                if is_marker_background(pixel))
    assert green >= MARKER_PIXELS, (green, screenshot)
    assert page.evaluate(STATUS).startswith('Connected')
    rc.delete(cloud, server_id)
