"""What NuORDER documents for each read the adapter makes (platforms/nuorder.md §3).

Only these shapes are believed (`answers`); anything else with a 200 is retried, then the
read fails. An empty bucket is `[]` (§3 row 4, recorded by flowlink). The empty bodies of
§7 are of writes (a status change, `post_json`); no source shows one for a read, so an
empty body is never taken as an empty bucket.
"""

from ..answers import ListOf, Reading, Text, document

TOKEN = Text("a token")


def bucket(status: str) -> Reading:
    """GET /api/orders/{status}/detail: an array of full orders; `[]` when there are none (§3 row 4)."""
    return Reading(f"the {status} orders", ListOf("orders", key="_id"))


# GET /api/orders/{status}/list: an array of `_id` strings (§3 row 3).
APPROVED_IDS = Reading("the approved order ids", ListOf("order ids", ids=True, documents=False))
# GET /api/order/{id}: one order object (§3 row 5).
ORDER = Reading("the order", document("an order", _id=Text("an order id")))
# GET /api/initiate and /api/token: the temporary, then the final, token and its secret (§3 rows 1-2).
INITIATE = Reading("the temporary token", document("a token", oauth_token=TOKEN, oauth_token_secret=TOKEN))
ACCESS_TOKEN = Reading("the token", document("a token", oauth_token=TOKEN, oauth_token_secret=TOKEN))
