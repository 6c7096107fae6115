"""The DevTools client of chromium.py against a page served here.

The page draws on a canvas only after a delay, so ``wait_for`` has to
poll; the screenshot's pixels are then read back with ``decode_png``
at places whose colours the page fixes, which also checks the PNG
decoder (a wrong filter would shift every colour after it).
"""

from http import server
import pathlib
import threading

import pytest

from tests.functional import daemons
from tests.integration import chromium

pytestmark = pytest.mark.skipif(
    not chromium.available(),
    reason='chromium is not installed: run ". tools/lib.sh; chromium_env"')

PAGE = b'''<!DOCTYPE html>
<html><body style="margin:0; background:#ffffff">
<canvas id="screen" width="400" height="200"></canvas>
<script>
setTimeout(function () {
    const ctx = document.getElementById('screen').getContext('2d');
    ctx.fillStyle = '#00aa00';
    ctx.fillRect(0, 0, 400, 100);
    ctx.fillStyle = '#000000';
    ctx.font = '40px monospace';
    ctx.fillText('HELLO', 20, 170);
    window.drawn = true;
}, 500);
</script>
</body></html>
'''
GREEN = (0x00, 0xaa, 0x00)
WHITE = (0xff, 0xff, 0xff)


class PageHandler(server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        """Quiet: pytest shows stderr of failed tests."""


@pytest.fixture(scope='module')
def page_url():
    httpd = server.ThreadingHTTPServer(('127.0.0.1', 0), PageHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    with chromium.Browser(tmp_path_factory.mktemp('chromium')) as b:
        yield b


def rgb(picture, x, y):
    n = picture.channels
    return tuple(picture.rows[y][x * n:x * n + 3])


def test_waits_for_the_page_then_screenshots_it(browser, page_url):
    page = browser.new_page()
    page.navigate(page_url)
    assert page.wait_for('window.drawn === true', timeout=30) is True

    picture = chromium.decode_png(page.screenshot())

    assert picture.width == chromium.WINDOW_SIZE[0]
    assert not chromium.is_blank(picture)
    assert rgb(picture, 10, 10) == GREEN
    assert rgb(picture, 399, 99) == GREEN
    assert rgb(picture, 10, 110) == WHITE
    assert rgb(picture, 800, 600) == WHITE
    text = [p for p in pixels_in(picture, 0, 120, 400, 200)
            if max(p[:3]) < 0x80]
    assert text, 'no dark pixels where the canvas text is'


def pixels_in(picture, left, top, right, bottom):
    n = picture.channels
    for row in picture.rows[top:bottom]:
        for x in range(left, right):
            yield tuple(row[x * n:x * n + n])


def test_wait_for_times_out_with_the_last_error(browser, page_url):
    page = browser.new_page()
    page.navigate(page_url)

    with pytest.raises(chromium.DevToolsError) as raised:
        page.wait_for('window.missing.field', timeout=1)

    assert 'still not true after 1s' in str(raised.value)
    assert 'TypeError' in str(raised.value)


def test_navigation_error_is_raised(browser):
    page = browser.new_page()

    with pytest.raises(chromium.DevToolsError) as raised:
        page.navigate('http://127.0.0.1:%d/' % daemons.free_port())

    assert 'ERR_CONNECTION_REFUSED' in str(raised.value)


def test_close_leaves_no_process(tmp_path):
    b = chromium.Browser(tmp_path)
    b.start()
    group = b.pgid
    assert members(group), 'chromium runs in a group of its own'

    b.close()

    assert members(group) == []


def members(pgid):
    """Live processes of a process group (zombies left to init do not
    count: they are gone but for their exit status)."""
    found = []
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != 'Z':
            found.append(int(stat.parent.name))
    return found
