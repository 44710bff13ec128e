"""The foodpanda / Delivery Hero Partner API for shops (quick commerce).

adapter.py       the platform: its fields, check, the backfill, and its parts (webhooks, order updates)
orders.py        reading a Partner API order (webhook body or GET answer) into our shape
webhooks.py      its webhook: the shared secret, the dedupe key, the record to ingest
picking.py       Partner Picking: the PUT body of an order update
picking_form.py  the order page's picking form; templates/partner/picking.html shows it
tokens.py        two-hour access tokens from a client ID and secret, cached encrypted
words.py         the Partner API's refusals in plain words
conf.py          its settings (brand hosts, request budget, page size, reconciliation)
"""
