"""NuORDER: wholesale (B2B) orders, OAuth 1.0a.

adapter.py       the platform: its fields, check, fetch, and its parts (mark processed, ship, authorize)
orders.py        reading a NuORDER order into our shape (an item per style, colour and size)
legacy_oauth.py  NuORDER's own signing of the initiate handshake
words.py         NuORDER's refusals in plain words
conf.py          its settings (hosts, application name)
"""
