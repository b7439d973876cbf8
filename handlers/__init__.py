"""Platform-neutral: incoming message -> command -> reply. Imports reminders and storage."""
