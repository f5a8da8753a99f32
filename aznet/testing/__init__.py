"""Running aznet inside another project's tests (as moto does for AWS)."""

from .harness import AznetInstance, start_in_thread

__all__ = ["AznetInstance", "start_in_thread"]
