"""``GET /servers/{server_id}/diagnostics`` (administrators): the
guest's statistics, asked of its host.

2.48 made the body the same for every hypervisor (state, driver,
uptime, cpu/memory/disk/nic details...); before it each driver
answered its own flat dict, here libvirt's (``cpu0_time``,
``vda_read``, ``memory``...), derived from the same statistics.  409
when the server has no running guest.
"""

from common import exception
from nova_api import base
from nova_api import compute_api
from nova_api import instance_list
from nova_api import policy
from nova_api import server_states

POLICY = 'os_compute_api:os-server-diagnostics'
STANDARD_FORMAT_VERSION = '2.48'
_DISK_COUNTERS = (('read_bytes', 'read'), ('read_requests', 'read_req'),
                  ('write_bytes', 'write'), ('write_requests', 'write_req'),
                  ('errors_count', 'errors'))
_NIC_COUNTERS = ('rx_octets', 'rx_packets', 'rx_errors', 'rx_drop',
                 'tx_octets', 'tx_packets', 'tx_errors', 'tx_drop')


class ServerDiagnosticsController(base.APIBase):

    def __init__(self):
        super().__init__()
        self.compute_api = compute_api.API()

    def index(self, req, server_id):
        context = req.nova_context
        record = instance_list.get_server(self.api_url, context, server_id,
                                          detail=False).record
        policy.authorize(context, POLICY,
                         {'project_id': record['project_id']})
        try:
            diagnostics = self.compute_api.get_diagnostics(context, record)
        except exception.InstanceInvalidState as e:
            raise server_states.invalid_state(
                'get_diagnostics', server_id, e.kwargs.get('attr'),
                e.kwargs.get('state'))
        if req.api_version_request >= STANDARD_FORMAT_VERSION:
            return diagnostics
        return _legacy(diagnostics)


def _legacy(diagnostics):
    """The pre-2.48 libvirt body: one key per counter, the disks named
    vda, vdb... in order, memory in KiB."""
    legacy = {'cpu%d_time' % cpu['id']: cpu['time']
              for cpu in diagnostics['cpu_details']}
    for index, disk in enumerate(diagnostics['disk_details']):
        dev = 'vd' + chr(ord('a') + index)
        legacy.update(('%s_%s' % (dev, name), disk[key])
                      for key, name in _DISK_COUNTERS)
    for index, nic in enumerate(diagnostics['nic_details']):
        legacy.update(('tap%d_%s' % (index, key), nic[key])
                      for key in _NIC_COUNTERS)
    memory = diagnostics['memory_details']
    legacy.update({'memory': memory['maximum'] * 1024,
                   'memory-rss': memory['used'] * 1024})
    return legacy
