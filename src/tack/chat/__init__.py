"""Chat (即时通讯): conversations, members and read pointers, messages, receipts, search."""
