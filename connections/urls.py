from django.urls import path

from . import views, wizard

app_name = "connections"
urlpatterns = [
    path("downloads/", views.downloads, name="downloads"),
    path("connections/", views.manage, name="manage"),
    path("connections/add/<slug:platform>/", views.add_account, name="add"),
    path("connections/new/", wizard.wizard, name="wizard"),
    path("connections/<int:pk>/authorize/", views.start_authorization, name="start_authorization"),
    path("connections/<int:pk>/authorize/code/", views.finish_authorization, name="finish_authorization"),
    path("connections/<int:pk>/", views.detail, name="detail"),
    path("connections/<int:pk>/edit/", views.edit, name="edit"),
    path("connections/<int:pk>/test/", views.test, name="test"),
    path("connections/<int:pk>/fetch/", views.fetch, name="fetch"),
    path("connections/<int:pk>/pause/", views.pause, name="pause"),
    path("connections/<int:pk>/resume/", views.resume, name="resume"),
    path("connections/<int:pk>/disconnect/", views.disconnect, name="disconnect"),
    path("connections/<int:pk>/webhook/rotate/", views.rotate_webhook_secret, name="rotate_webhook_secret"),
    path("connections/<int:pk>/webhook/reveal/", views.reveal_webhook_secret, name="reveal_webhook_secret"),
    path("connections/<int:pk>/progress/", views.progress, name="progress"),
    path("connections/<int:pk>/runs/<int:run_id>/", views.run_detail, name="run"),
]
