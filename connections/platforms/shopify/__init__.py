"""Shopify: a merchant's own store, read through the GraphQL Admin API.

adapter.py   the platform: its fields, check, fetch, and its parts (fulfilment, webhooks)
client.py    GraphQL over the kit's HTTP client: the token, the cost budget, Shopify's errors
queries.py   the GraphQL documents the portal sends, and what they cost
orders.py    reading an order (a query's node or a webhook's body) into our shape
webhooks.py  its webhooks: the HMAC of the body, the two delivery ids, the topics
shop.py      a store's permanent domain from what a merchant pastes
words.py     Shopify's refusals in plain words
conf.py      its settings (host, API version, page size)
sandbox/     a fake Shopify (GraphQL schema subset, cost, buckets, signed webhooks) for the demo and tests
tests/       its tests; fixtures/ holds real payload shapes
"""
