"""What an assessment is: scheme, roster, phases, permissions and the conversations, without Telegram."""
