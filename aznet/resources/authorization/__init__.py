"""Microsoft.Authorization: management locks."""

from ..autoload import import_submodules

DECLARATION = import_submodules(__name__, __path__)
