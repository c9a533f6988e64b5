"""The live engine: DNS, ports, connect and TLS, transcripts, the check, discovery and providers."""
