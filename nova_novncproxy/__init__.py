import sys
import warnings

import common  # noqa: F401  (first: threads, no eventlet)

# websockify unmasks the browser's frames with numpy when it can: ~11 MiB
# of this process for the few bytes of each key press and mouse move
# (the guest's screen, going the other way, is not masked).
sys.modules.setdefault('numpy', None)
warnings.filterwarnings('ignore', message="no 'numpy' module")
