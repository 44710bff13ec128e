from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", views.two_factor_page, name="two_factor"),
    path("two-factor/verify/", views.verify, name="two_factor_verify"),
    path("two-factor/replace/", views.replace_authenticator, name="two_factor_replace"),
    path("two-factor/cancel/", views.cancel_replacement, name="two_factor_cancel"),
    path("two-factor/recovery-codes/", views.new_recovery_codes, name="two_factor_recovery_codes"),
]
