"""Opening a cycle (开启考核) and reporting where it stands (kaohe cycle status)."""
