"""OS-EXT-SRV-ATTR: the attributes of a server that name the cloud
behind it (host, hypervisor, instance name, reservation, kernel...);
administrators only."""

from nova_api.policies import base

POLICY = 'os_compute_api:os-extended-server-attributes'

rules = [
    base.api_rule(
        POLICY, base.ADMIN,
        "Show a server's extended attributes: OS-EXT-SRV-ATTR:host, "
        "instance_name and hypervisor_hostname, and from microversion 2.3 "
        "reservation_id, launch_index, hostname, kernel_id, ramdisk_id, "
        "root_device_name and user_data.  From 2.90 hostname is shown to "
        "everyone.",
        ('GET', '/servers/{server_id}'), ('GET', '/servers/detail'),
        ('PUT', '/servers/{server_id}'),
        ('POST', '/servers/{server_id}/action (rebuild)')),
]


def list_rules():
    return rules
