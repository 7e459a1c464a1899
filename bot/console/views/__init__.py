"""The console's pages, one blueprint each (registered under ``/console`` by ``bot.console``)."""
