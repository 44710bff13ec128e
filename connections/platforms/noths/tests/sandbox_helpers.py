"""Calling the fake NOTHS API the way the adapter does: token in the query string."""

API = "/sandbox/noths/api/v1"
TOKEN = "noths-test-token-a"
OTHER_TOKEN = "noths-test-token-b"
ACCEPT_FORM = {"estimated_dispatch_at": "2024-06-03", "estimated_delivery_date": "2024-06-05"}


def api_get(client, path, token=TOKEN, **params):
    if token is not None:
        params["token"] = token
    return client.get(f"{API}{path}", params)


def api_post(client, path, data=None, token=TOKEN):
    """A form-encoded POST, like the single-order actions."""
    return client.post(f"{API}{path}?token={token}", data or {})


def api_post_json(client, path, body, token=TOKEN, query=""):
    """A JSON POST, like the bulk actions."""
    return client.post(f"{API}{path}?token={token}{query}", body, content_type="application/json")


def error(code, title):
    return {"errors": [{"code": code, "title": title}]}


def ids(response):
    return [order["id"] for order in response.json()["data"]]
