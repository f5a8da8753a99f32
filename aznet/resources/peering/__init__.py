"""Microsoft.Peering: Peering Service (peeringServices and their prefixes) and its catalogues."""

from ..autoload import import_submodules

import_submodules(__name__, __path__)
