"""What a merchant pastes for the store becomes its permanent domain, or is refused in words."""

import pytest

from connections.platforms.shopify.shop import shop_domain


@pytest.mark.parametrize(
    "pasted",
    [
        "corner-shop",
        "corner-shop.myshopify.com",
        "Corner-Shop.MyShopify.com",
        "https://corner-shop.myshopify.com/",
        "corner-shop.myshopify.com/admin",
        "https://corner-shop.myshopify.com/admin/orders?inbox=1",
        "https://admin.shopify.com/store/corner-shop",
        "https://admin.shopify.com/store/corner-shop/",
        "admin.shopify.com/store/corner-shop/orders/1001",
        "  corner-shop.myshopify.com  ",
    ],
)
def test_every_way_of_naming_a_store_becomes_its_domain(pasted):
    assert shop_domain(pasted) == "corner-shop.myshopify.com"


@pytest.mark.parametrize(
    "pasted", ["", "corner shop", "www.cornershop.co.uk", "https://admin.shopify.com/", "-corner", "corner.example.com"]
)
def test_what_is_not_a_store_is_refused_in_words(pasted):
    with pytest.raises(ValueError, match=r"myshopify\.com domain"):
        shop_domain(pasted)
