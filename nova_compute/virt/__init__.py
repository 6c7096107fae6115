"""Virt drivers: how nova-compute talks to a hypervisor."""
