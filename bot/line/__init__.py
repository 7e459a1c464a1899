"""Everything that speaks LINE: the gateway, the webhook, the inbox, the event worker, postbacks, the rich menu."""
