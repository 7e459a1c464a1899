"""The ``kenshu`` command line: thin click commands that parse, call a use case and print."""
