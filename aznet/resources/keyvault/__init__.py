"""Microsoft.KeyVault resource types."""

from ..autoload import import_submodules

DECLARATION = import_submodules(__name__, __path__)
