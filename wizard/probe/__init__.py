"""Live checks against a real server: asyncio only, every call under a deadline."""
