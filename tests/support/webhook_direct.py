"""A webhook event handed straight to `webhooks.receive`, as the view would, without HTTP."""

import orjson

from connections import webhooks


def receive(connection, body):
    return webhooks.receive(connection, orjson.dumps(body), {"HTTP_USER_AGENT": "test"}, "127.0.0.1")
