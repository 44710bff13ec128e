import pytest
from django.db import connection

from portal.counting import Count, count_or_estimate, count_up_to
from portal.models import Merchant
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_count_up_to_counts_exactly_below_the_cap():
    MerchantFactory.create_batch(3)
    assert count_up_to(Merchant.objects.all(), cap=5) == Count(3)
    assert str(count_up_to(Merchant.objects.all(), cap=5)) == "3"


def test_count_up_to_stops_at_the_cap_and_says_plus():
    MerchantFactory.create_batch(4)
    counted = count_up_to(Merchant.objects.all(), cap=3)
    assert counted == Count(3, capped=True)
    assert str(counted) == "3+"


def test_count_reads_at_most_cap_plus_one_rows(django_assert_num_queries):
    MerchantFactory.create_batch(4)
    with django_assert_num_queries(1) as captured:
        count_up_to(Merchant.objects.all(), cap=2)
    assert "LIMIT 3" in captured.captured_queries[0]["sql"]


def test_large_numbers_are_grouped():
    assert str(Count(10_000, capped=True)) == "10,000+"
    assert str(Count(1_000_000, estimated=True)) == "about 1,000,000"


def test_small_table_is_counted_not_estimated():
    MerchantFactory.create_batch(2)
    assert count_or_estimate(Merchant.objects.all(), cap=10) == Count(2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reltuples is PostgreSQL's")
def test_large_table_uses_the_planners_estimate():
    MerchantFactory.create_batch(6)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Merchant._meta.db_table}")
    counted = count_or_estimate(Merchant.objects.all(), cap=3)
    assert counted.estimated
    assert str(counted).startswith("about ")
