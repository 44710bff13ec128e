"""The query counter of `bench/scale_settings.py`: each response says how many queries made it.

`X-Bench-Queries` holds the number of statements the request ran on the default database
until its response was returned (a streamed body's queries come later and are not in it).
Only the bench's settings install it; `bench/scale.py` counts the tick's queries with `counted`.
"""

from contextlib import contextmanager

from django.db import connection

HEADER = "X-Bench-Queries"


@contextmanager
def counted():
    """Count the statements run on the default database inside the block: `tally[0]` after it."""
    tally = [0]

    def count(execute, sql, params, many, context):
        tally[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield tally


class QueryCount:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with counted() as tally:
            response = self.get_response(request)
        response[HEADER] = str(tally[0])
        return response
