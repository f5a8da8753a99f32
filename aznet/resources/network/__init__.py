"""Microsoft.Network resource types: one module per type (or family)."""

from ..autoload import import_submodules

DECLARATION = import_submodules(__name__, __path__)
