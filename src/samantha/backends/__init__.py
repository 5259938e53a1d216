"""Model adapters: the offline voice, the scripted test double and OpenAI-compatible servers."""
