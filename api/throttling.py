"""How many API requests a member may make: `API_REQUESTS_PER_MINUTE`, per signed-in member.

Above it DRF answers 429 with Retry-After. The count lives in Django's cache: shared by
every process with Redis (production), per process with the default local memory.
"""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class MemberRateThrottle(UserRateThrottle):
    scope = "merchant_api"

    def get_rate(self) -> str:
        return f"{settings.API_REQUESTS_PER_MINUTE}/min"
