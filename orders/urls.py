from django.urls import path

from . import skipped, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("export.csv", views.order_export, name="export"),
    path("not-imported/", skipped.skipped_orders, name="skipped"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/dispatch-note/", views.dispatch_note, name="dispatch_note"),
    path("<int:pk>/actions/<int:action_id>/retry/", views.retry, name="retry"),
]
