"""kenshu-bot: a LINE chatbot for the secretariats of professional training programmes.

``bot.app.create_app`` builds everything. This package's ``__init__`` imports
nothing: ``bot.app`` imports ``handlers`` and ``scheduler``, which import modules of
``bot``, so a re-export here would close an import cycle through it.
"""
