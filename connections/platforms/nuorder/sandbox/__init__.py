"""The sandbox NuORDER: a fake of its API for the demo and the tests, and its pages (a Django app)."""
