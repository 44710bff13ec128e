"""Not On The High Street (NOTHS): a marketplace's seller API, read by token.

adapter.py  the platform: its fields, check, fetch, and its parts (accept, dispatch, notes)
orders.py   reading a NOTHS Order document into our shape
words.py    NOTHS's refusals in plain words
conf.py     its settings (host, page size)
"""
