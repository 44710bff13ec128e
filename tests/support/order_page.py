"""The merchant's order page, as the order-update tests drive it: read it, post its update form."""

from django.urls import reverse

from orders.models import OutboundAction


def page(client, order) -> str:
    return client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def send(client, capture, order, status, marks=(), **fields):
    """Post the order page's update form: `marks` are (position, item id, mark, sku, name, quantity),
    the position being the item's row on the page; the on-commit work (the task) runs."""
    data = {"status": status, **fields}
    for position, item_id, mark, *replacement in marks:
        sku, name, quantity = [*replacement, "", "", ""][:3]
        data |= {
            f"item{position}_id": item_id,
            f"item{position}_status": mark,
            f"item{position}_sku": sku,
            f"item{position}_name": name,
            f"item{position}_quantity": quantity,
        }
    with capture(execute=True):
        return client.post(reverse("orders:update", args=[order.pk]), data)


def the_update(order) -> OutboundAction:
    return OutboundAction.objects.filter(order=order, kind=OutboundAction.Kind.UPDATE).latest("id")
