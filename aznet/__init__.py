"""aznet: Azure networking services running for real on one machine."""
