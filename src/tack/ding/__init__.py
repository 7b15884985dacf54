"""DING: urgent messages that keep reminding until the recipient confirms (已确认)."""
