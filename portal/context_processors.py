from django.conf import settings


def portal(request):
    return {
        "merchant": getattr(request, "merchant", None),
        "sandbox_enabled": settings.SANDBOX_ENABLED,
    }
