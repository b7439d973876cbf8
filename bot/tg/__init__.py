"""The Telegram channel on aiogram 3: polling or webhook, the same neutral handlers."""
