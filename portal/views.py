from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    if request.merchant is None and request.user.is_staff:
        return redirect("admin:index")
    return redirect("connections:downloads")
