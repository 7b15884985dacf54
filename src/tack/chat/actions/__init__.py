"""Every write of chat: conversations and membership, messages, read pointers."""
