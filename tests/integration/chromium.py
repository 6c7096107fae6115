"""Headless Chromium driven through its DevTools protocol, for tests.

A test that must see what a user sees in a browser (the noVNC console)
starts Debian's ``chromium`` here, opens a page, polls a JavaScript
condition until it holds (never a fixed delay) and takes a screenshot.
The protocol is JSON over one WebSocket (websocket-client); pages are
reached through flattened sessions of the browser's own endpoint, so
there is one connection and one reader.

Chromium runs in a process group of its own, killed on ``close()``:
no renderer or helper outlives the test.  Its stderr goes to
``chromium.log`` in the work directory, which also holds the profile.

``decode_png`` reads the screenshots with the standard library only
(zlib), so a test can check their pixels without an imaging package.
"""

import base64
import collections
import itertools
import json
import os
import pathlib
import re
import shutil
import signal
import struct
import subprocess
import time
import zlib

import websocket

CHROMIUM = 'chromium'
LISTENING = re.compile(r'DevTools listening on (ws://\S+)')
START_TIMEOUT = 60
CALL_TIMEOUT = 60
CLOSE_TIMEOUT = 10
WINDOW_SIZE = (1024, 768)


class DevToolsError(Exception):
    """Chromium did not start, or refused or failed a command."""


def available():
    """Whether Debian's chromium is installed (tools/lib.sh
    ``chromium_env`` installs it)."""
    return shutil.which(CHROMIUM) is not None


class Browser:
    """One headless Chromium; use as a context manager."""

    def __init__(self, work_dir, window_size=WINDOW_SIZE):
        self.work_dir = pathlib.Path(work_dir)
        self.log_path = self.work_dir / 'chromium.log'
        self.window_size = window_size
        self._proc = None
        self._socket = None
        self._ids = itertools.count(1)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def start(self):
        profile = self.work_dir / 'profile'
        profile.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, 'wb') as log:
            self._proc = subprocess.Popen(
                [CHROMIUM, '--headless=new', '--no-sandbox',
                 '--remote-debugging-port=0', '--no-first-run',
                 '--user-data-dir=%s' % profile,
                 '--window-size=%d,%d' % self.window_size, 'about:blank'],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=log, start_new_session=True)
        try:
            # Without an Origin header: Chromium refuses DevTools
            # connections from origins it was not told to allow.
            self._socket = websocket.create_connection(
                self._endpoint(), timeout=CALL_TIMEOUT, suppress_origin=True)
        except BaseException:
            self.close()
            raise

    def _endpoint(self):
        """The browser's WebSocket URL, which Chromium prints on stderr
        once it listens (port 0: a free port of its choosing)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            found = LISTENING.search(self.log())
            if found:
                return found.group(1)
            if self._proc.poll() is not None:
                raise DevToolsError('chromium exited with %s:\n%s' % (
                    self._proc.returncode, self.log()[-3000:]))
            if time.monotonic() > deadline:
                raise DevToolsError('chromium not listening after %ss:\n%s'
                                    % (START_TIMEOUT, self.log()[-3000:]))
            time.sleep(0.1)

    def log(self):
        try:
            return self.log_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''

    @property
    def pgid(self):
        """Chromium's process group: the browser and all its helpers."""
        return self._proc.pid

    def new_page(self):
        """A new blank tab, attached."""
        target = self.call('Target.createTarget', url='about:blank')
        session = self.call('Target.attachToTarget', flatten=True,
                            targetId=target['targetId'])
        return Page(self, session['sessionId'])

    def call(self, method, session_id=None, **params):
        """Send one command; its result, once Chromium answers it.

        Events arriving meanwhile are dropped: the tests poll state
        with ``Runtime.evaluate`` instead of following events.
        """
        call_id = next(self._ids)
        message = {'id': call_id, 'method': method, 'params': params}
        if session_id:
            message['sessionId'] = session_id
        self._socket.send(json.dumps(message))
        while True:
            reply = json.loads(self._socket.recv())
            if reply.get('id') != call_id:
                continue
            if 'error' in reply:
                raise DevToolsError('%s: %s' % (method, reply['error']))
            return reply['result']

    def close(self):
        """Ask Chromium to quit, then kill its process group anyway."""
        if self._socket is not None:
            try:
                self.call('Browser.close')
            except (DevToolsError, OSError, websocket.WebSocketException):
                pass
            self._socket.close()
            self._socket = None
        if self._proc is None:
            return
        try:
            self._proc.wait(timeout=CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._proc.wait()


class Page:
    """One tab, through its DevTools session."""

    def __init__(self, browser, session_id):
        self._browser = browser
        self._session_id = session_id

    def call(self, method, **params):
        return self._browser.call(method, self._session_id, **params)

    def navigate(self, url):
        """Start loading ``url``; ``wait_for`` tells when it is ready."""
        result = self.call('Page.navigate', url=url)
        if result.get('errorText'):
            raise DevToolsError('navigating to %s: %s'
                                % (url, result['errorText']))

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page."""
        result = self.call('Runtime.evaluate', expression=expression,
                           returnByValue=True)
        if 'exceptionDetails' in result:
            details = result['exceptionDetails']
            raise DevToolsError('%s: %s' % (expression, details.get(
                'exception', {}).get('description', details['text'])))
        return result['result'].get('value')

    def wait_for(self, expression, timeout, interval=0.2):
        """Poll ``expression`` until its value is true; return it.

        Errors count as "not yet" (the page may be between two
        documents); the last one is in the timeout's message.
        """
        deadline = time.monotonic() + timeout
        value = error = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
                error = None
            except DevToolsError as e:
                error = e
            if value:
                return value
            time.sleep(interval)
        raise DevToolsError('%s still not true after %ss (last value %r%s)'
                            % (expression, timeout, value,
                               ', error: %s' % error if error else ''))

    def screenshot(self):
        """The visible page, as PNG bytes."""
        result = self.call('Page.captureScreenshot', format='png')
        return base64.b64decode(result['data'])


# --- reading PNG screenshots -------------------------------------------------

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# Colour type -> channels; 8-bit, non-interlaced only: what Chromium
# writes.
PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}

Picture = collections.namedtuple('Picture', 'width height channels rows')


def decode_png(data):
    """A PNG's pixels: ``rows`` is one bytes object per row,
    ``channels`` bytes per pixel (RGB or RGBA for screenshots)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError('not a PNG')
    chunks = _png_chunks(data[len(PNG_SIGNATURE):])
    (width, height, depth, colour, _compression, _filter,
     interlace) = struct.unpack('!IIBBBBB', chunks['IHDR'])
    if depth != 8 or interlace or colour not in PNG_CHANNELS:
        raise ValueError('unsupported PNG: depth %d, colour type %d, '
                         'interlace %d' % (depth, colour, interlace))
    channels = PNG_CHANNELS[colour]
    raw = zlib.decompress(chunks['IDAT'])
    stride = width * channels
    rows = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], raw[start + 1:start + 1 + stride],
                         previous, channels)
        rows.append(line)
        previous = line
    return Picture(width, height, channels, rows)


def _png_chunks(body):
    """{type: data}; the IDAT chunks joined into one."""
    chunks = {'IDAT': b''}
    offset = 0
    while offset < len(body):
        length, kind = struct.unpack('!I4s', body[offset:offset + 8])
        data = body[offset + 8:offset + 8 + length]
        kind = kind.decode('ascii')
        if kind == 'IDAT':
            chunks['IDAT'] += data
        else:
            chunks[kind] = data
        offset += 12 + length
    return chunks


def _unfilter(kind, line, previous, bpp):
    """Undo one row's PNG filter (None, Sub, Up, Average, Paeth)."""
    if kind == 0:
        return bytes(line)
    if kind == 2:
        return bytes((a + b) & 0xff
                     for a, b in zip(line, previous, strict=True))
    if kind not in (1, 3, 4):
        raise ValueError('unknown PNG filter %d' % kind)
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            out[i] = (out[i] + left) & 0xff
        elif kind == 3:
            out[i] = (out[i] + (left + up) // 2) & 0xff
        else:
            corner = previous[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(left, up, corner)) & 0xff
    return bytes(out)


def _paeth(left, up, corner):
    estimate = left + up - corner
    distances = (abs(estimate - left), abs(estimate - up),
                 abs(estimate - corner))
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    return up if distances[1] <= distances[2] else corner


def pixels(picture):
    """Every pixel as a tuple of its channels, row by row."""
    n = picture.channels
    for row in picture.rows:
        for x in range(0, len(row), n):
            yield tuple(row[x:x + n])


def is_blank(picture):
    """Whether every pixel has the same colour."""
    first = picture.rows[0][:picture.channels]
    return all(row == first * picture.width for row in picture.rows)
