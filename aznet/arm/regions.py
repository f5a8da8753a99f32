"""Azure's regions live in the neutral module ``aznet.regions`` (data planes read them too); this
name stays for the resource types that import it from here."""

from ..regions import *  # noqa: F403
from ..regions import __all__  # noqa: F401
