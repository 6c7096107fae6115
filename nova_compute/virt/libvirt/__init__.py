"""The libvirt virt driver: QEMU/KVM guests through libvirtd.

``host`` owns the connection and its events, ``config`` writes the
domain XML, ``imagebackend`` and ``imagecache`` the instance disks.
"""
