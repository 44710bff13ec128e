"""The GraphQL documents the portal sends to Shopify's Admin API, in one place.

Field names and types are those of the Admin schema (platforms/shopify.md §2.4, §5); the
sandbox validates every document against its copy of that schema. Each query's requested
cost stays under Shopify's limit of 1000 points: a connection costs 2 plus, for each of
the `first` nodes it may return, the node's cost (an object 1, scalars and enums 0), so
plus its other fields (a pageInfo is an object: 1), so a page of 10 orders with up to 10
line items each asks for 763 (`page_cost`).
"""

from __future__ import annotations

# Line items read with their order; an order with more is read again, alone, for the rest.
LINE_ITEMS = 10

MONEY = "shopMoney { amount currencyCode }"

ORDER_FIELDS = f"""
fragment OrderFields on Order {{
  id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closed closedAt test
  displayFinancialStatus displayFulfillmentStatus currencyCode email phone note tags poNumber sourceName
  customAttributes {{ key value }}
  totalPriceSet {{ {MONEY} }}
  subtotalPriceSet {{ {MONEY} }}
  totalShippingPriceSet {{ {MONEY} }}
  totalDiscountsSet {{ {MONEY} }}
  customer {{ id firstName lastName displayName }}
  shippingAddress {{
    name firstName lastName company address1 address2 city province provinceCode zip country countryCodeV2 phone
  }}
  shippingLine {{ title code }}
  lineItems(first: $lineItems, after: $lineItemsAfter) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id sku title name variantTitle quantity currentQuantity requiresShipping
      originalUnitPriceSet {{ {MONEY} }}
      originalTotalSet {{ {MONEY} }}
      variant {{ id sku barcode }}
    }}
  }}
}}
"""

# The check: the shop, and one order's id, which only a token that may read orders gets.
SHOP = """
query Shop {
  shop { name myshopifyDomain currencyCode ianaTimezone plan { displayName partnerDevelopment shopifyPlus } }
  orders(first: 1) { nodes { id } }
}
"""

ORDERS = (
    """
query Orders($first: Int!, $after: String, $query: String, $lineItems: Int!, $lineItemsAfter: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}
"""
    + ORDER_FIELDS
)

# A reconciliation's listing: each order's id and update time only (its version), 253 points a page of 250.
ORDER_VERSIONS = """
query OrderVersions($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, sortKey: ID, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt }
  }
}
"""
VERSIONS_PAGE = 250


def versions_cost(orders: int = VERSIONS_PAGE) -> int:
    """The requested cost of ORDER_VERSIONS: the connection, its pageInfo, an object per order."""
    return 2 + 1 + orders


ORDER = (
    """
query Order($id: ID!, $lineItems: Int!, $lineItemsAfter: String) {
  order(id: $id) { ...OrderFields }
}
"""
    + ORDER_FIELDS
)

# What fulfilling an order needs: its fulfillment orders still open, with what remains to send
# (the first lines of each: a fulfillment order with more has something left when it is open),
# and the fulfillments already made (a retry finds its own there). About 140 points, so a
# store with the smallest bucket can still be fulfilled.
FULFILLMENT_ORDERS = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    id name displayFulfillmentStatus cancelledAt
    fulfillments(first: 10) { id status trackingInfo(first: 5) { number url company } }
    fulfillmentOrders(first: 5) {
      nodes {
        id status
        assignedLocation { name }
        lineItems(first: 20) { pageInfo { hasNextPage } nodes { id remainingQuantity totalQuantity } }
      }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo(first: 5) { number url company } }
    userErrors { field message }
  }
}
"""


def page_cost(orders: int, line_items: int = LINE_ITEMS) -> int:
    """The requested cost of ORDERS for a page size, by Shopify's rule (see the module's docstring)."""
    money = 2  # a MoneyBag and its shopMoney
    line_item = 1 + 2 * money + 1  # the node, two amounts, its variant
    order = 1 + 1 + 4 * money + 3 + (2 + line_items * line_item) + 1  # attributes, customer, address, line, lines
    return 2 + 1 + orders * order  # the connection, its pageInfo, the orders
