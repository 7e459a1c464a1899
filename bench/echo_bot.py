"""The yardstick of ``bench/webhook.py``: a minimal echo bot as line-bot-sdk's examples/flask-echo writes it.

``WebhookHandler`` checks the signature and dispatches; the text is echoed with a
synchronous reply inside the request, through a new ``ApiClient`` per event, as
the example does. No database, no answering: what a LINE bot costs at the least.
Served by gunicorn with the same settings as the bot:

    cd bench && gunicorn --workers 2 --threads 4 'echo_bot:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def create_app() -> Flask:
    app = Flask(__name__)
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(host=os.environ["LINE_API_BASE_URL"],
                                  access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"])

    @app.post("/callback")
    def callback():  # type: ignore[no-untyped-def]
        signature = request.headers["X-Line-Signature"]
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @handler.add(MessageEvent, message=TextMessageContent)
    def handle_message(event: MessageEvent) -> None:
        with ApiClient(configuration) as api_client:
            MessagingApi(api_client).reply_message_with_http_info(
                ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)])
            )

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return "OK"

    return app
