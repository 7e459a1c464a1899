"""The secretariat's use cases: what the ``kenshu`` CLI and the web console both call.

One module per group (announcements, roster, credentials, reminders, richmenu).
Each use case takes the app's ``Services`` and plain arguments, returns a typed
result and raises a ``SecretariatError`` that can say what went wrong in the
clerk's language; none prints, parses options or needs a Flask context.
"""
