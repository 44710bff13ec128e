"""Accounts: a member's own password (change, reset by mail).

views.py        password change and reset (Django's views, the portal's look)
urls.py         /account/...
"""
