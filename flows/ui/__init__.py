"""What a conversation is made of, independent of Telegram: inputs and actions (chat), the context a step
runs in, texts per locale, text splitting, keyboards and button data, menus, charts.
"""
