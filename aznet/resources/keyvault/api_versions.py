"""The api-versions of Microsoft.KeyVault (vaults, secrets, deleted vaults and the provider actions)."""

from ...arm.versions import supported

API_VERSIONS = supported("keyvault")
