"""Trainees as the bot knows them: users, notice subscriptions, linking, data deletion (no Flask)."""
