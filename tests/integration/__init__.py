"""Real libvirt and QEMU guests (TCG): see conftest.py."""
