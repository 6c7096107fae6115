"""Code shared by the daemons and the admin commands."""

import warnings

# futurist and oslo.service import eventlet whenever it is installed, and
# eventlet then warns that it is deprecated.  This project never uses it
# (threads only), so the warning would only confuse operators reading
# nova-manage output.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
warnings.filterwarnings('ignore', message='.*eventletutils module is deprec')
