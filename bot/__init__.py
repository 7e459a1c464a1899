"""kenshu-bot: a LINE chatbot for the secretariats of professional training programmes."""
