"""ARM resource ids live in the neutral module ``aznet.ids`` (data planes parse ids too, and must not
import ``aznet/arm``); this name stays for the protocol layer and the resource types that import it."""

from ..ids import GUID_RE, ResourceId, is_guid, normalize, parse_resource_id, resource_group_id, split_path

__all__ = ["GUID_RE", "ResourceId", "is_guid", "normalize", "parse_resource_id", "resource_group_id", "split_path"]
