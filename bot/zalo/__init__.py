"""The Zalo channel: a thin typed client for the Zalo Bot API on httpx."""
