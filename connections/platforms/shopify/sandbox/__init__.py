"""The sandbox Shopify: a fake of its Admin API for the demo and the tests, and its pages (a Django app)."""
