"""factory-boy factories for the portal's own models."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from connections.models import Connection, Credential
from portal.models import Membership, Merchant

PASSWORD = "correct-horse-battery"


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


class ConnectionFactory(DjangoModelFactory):
    """A connected NOTHS connection with a stored token (pass `token=` and `base_url_override=`)."""

    class Meta:
        model = Connection
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    platform = "noths"
    name = factory.Sequence(lambda n: f"shop{n}")
    status = Connection.Status.CONNECTED
    base_url_override = "https://noths.invalid"
    import_statuses = factory.LazyFunction(lambda: ["placed", "accepted"])
    auto_sync = True
    push_tracking = True

    @factory.post_generation
    def token(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            credential = Credential(connection=obj)
            credential.set_values({"token": extracted or "factory-token-0123456789"}, obj.adapter.credential_fields)
            credential.save()
