"""Glance's images in memory, for the unit tests of createImage.

``FakeImages`` answers the calls of ``common.glance.API`` that a
snapshot makes (the functional tests use a real Glance).
"""

import io
import uuid

from common import exception

URL = 'http://glance.test:9292'


class FakeImages:
    """Images by id; ``uploads`` calls ``on_upload`` (if set) first, so
    a test can see what the server looked like at that moment."""

    def __init__(self):
        self.images = {}
        self.on_upload = None

    def create(self, context, image_meta):
        image_id = str(uuid.uuid4())
        self.images[image_id] = dict(
            image_meta, id=image_id, status='queued', data=None,
            properties=dict(image_meta.get('properties') or {}))
        return dict(self.images[image_id])

    def update(self, context, image_id, values):
        image = self._image(image_id)
        image.update((k, v) for k, v in values.items() if k != 'properties')
        image['properties'].update(values.get('properties') or {})
        return dict(image)

    def upload(self, context, image_id, data):
        if self.on_upload:
            self.on_upload()
        image = self._image(image_id)
        if isinstance(data, io.IOBase):
            data = data.read()
        image.update(data=data, status='active')

    def delete(self, context, image_id):
        self._image(image_id)
        del self.images[image_id]

    def image_url(self, context, image_id):
        return '%s/images/%s' % (URL, image_id)

    def _image(self, image_id):
        try:
            return self.images[image_id]
        except KeyError:
            raise exception.ImageNotFound(image_id=image_id)
