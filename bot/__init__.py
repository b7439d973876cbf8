"""The running bot: settings, composition root, channels, CLI. Only here: aiogram, httpx."""
