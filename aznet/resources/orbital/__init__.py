"""Microsoft.Orbital: spacecrafts, contact profiles, contacts and the ground station catalogue, with pass
predictions computed by SGP4 (passes.py)."""

from ..autoload import import_submodules

import_submodules(__name__, __path__)
