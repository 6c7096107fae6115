"""Code shared by the daemons and the admin commands.

Threads only, never eventlet.  oslo.service depends on eventlet, and
futurist and oslo.service import it whenever it is installed: 8 to 17
MiB of each daemon's memory (its resolver brings dnspython) for a
library this project never runs.  Marking it missing sends them down their
thread paths, and oslo.service's threading backend is the one it loads.
Every package of the project imports this module first.
"""

import sys
import warnings

from oslo_service import backend as _service_backend

if 'eventlet' not in sys.modules:
    sys.modules['eventlet'] = None
_service_backend.register_backend_default_hook(
    lambda: _service_backend.BackendType.THREADING)

# Should eventlet have been imported before this module, its deprecation
# warning would only confuse operators reading nova-manage output.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message='.*eventletutils module is deprec')
