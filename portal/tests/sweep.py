"""The portal's pages (and allauth's sign-in pages) for the sweep (tests/sweep.py)."""

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils.timezone import now

from portal import services
from portal.models import Invitation, RoleAssignment
from portal.privacy import PersonalDataExport
from portal.tests.factories import UserFactory
from tests.sweep import Page

NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "dashboard_export": "a spreadsheet",
    "funder_report_export": "a spreadsheet",
    "funder_report_generate": "a form's POST only (its errors show the funder report page)",
    "funder_report_status": "a table row of the funder report page, which it updates (htmx)",
    "funder_report_download": "a PDF or DOCX file",
    "profile_data_download": "a ZIP file",
    "invitation_create": "a form's POST only",
    "staff_list_import": "a form's POST only",
    "role_remove": "a form's POST only",
    "invitation_withdraw": "a form's POST only",
    "invitation_resend": "a form's POST only",
    "accounts/signup/": "the portal's sign-up view: swept as account_signup (the same address)",
    "accounts/oidc/<str:provider_id>/login/": "redirects to the identity provider",
    "openid_connect_login": "redirects to the identity provider",
    "openid_connect_callback": "the identity provider's redirect back (a redirect)",
    "accounts/social/login/cancelled/": "redirects to allauth's page (swept)",
    "accounts/social/login/error/": "redirects to allauth's page (swept)",
    "accounts/social/signup/": "redirects to allauth's page",
    "accounts/social/connections/": "redirects to allauth's page (swept)",
    "socialaccount_signup": "only within a single sign-on that found no account (a redirect)",
    "account_confirm_login_code": "sign-in by code is off (a redirect)",
    "mfa_authenticate": "only within a sign-in with a second factor (a redirect)",
    "mfa_download_recovery_codes": "a text file",
}


def pages(world) -> list[Page]:
    manager, staff, admin = world.project_leader, world.staff_a, world.site_admin
    TOTP.activate(admin, generate_totp_secret())
    RecoveryCodes.activate(admin)
    invitation = Invitation.objects.filter(library=world.library_a, expires_at__gt=now()).get()
    token = services.invitation_issue_token(invitation=invitation)
    role = RoleAssignment.objects.filter(library=world.library_a).first()
    without_password = UserFactory(full_name="Sara Single-Sign-On")
    without_password.set_unusable_password()
    without_password.save()
    assert role and PersonalDataExport.objects.filter(user=staff).exists()
    return [
        Page("home", None),
        Page("home", manager),
        Page("home", staff),
        Page("language_set", manager, status=405),  # the wrong-method page
        Page("programme_detail", manager, {"pk": 999_999}, status=404),  # the not-found page
        Page("profile", admin),
        Page("profile_data", staff),
        Page("privacy_notice", None),
        Page("accessibility_statement", None),
        Page("programme_detail", manager, {"pk": world.programme.pk}),
        Page("programme_dashboard", manager, {"pk": world.programme.pk}, phone=True),
        Page("funder_report", manager, {"pk": world.programme.pk, "year": 2011}, phone=True),
        Page("library_list", manager),
        Page("library_detail", world.library_leader_a, {"pk": world.library_a.pk}),
        # Anonymous from here: the invitation puts itself in the session, so sign-up is open.
        Page("invitation_accept", None, {"token": "not-a-token"}, status=404),
        Page("invitation_accept", None, {"token": token}),
        Page("account_signup", None),
        Page("account_login", None, phone=True),
        Page("account_inactive", None),
        Page("account_email_verification_sent", None),
        Page("account_reset_password", None),
        Page("account_reset_password_done", None),
        Page("account_reset_password_from_key", None, {"uidb36": "1", "key": "x-x"}),
        Page("account_reset_password_from_key_done", None),
        Page("account_confirm_email", None, {"key": "x"}),
        Page("socialaccount_login_cancelled", None),
        Page("socialaccount_login_error", None, status=401),
        Page("account_logout", admin),
        Page("account_reauthenticate", admin),
        Page("account_email", admin),
        Page("account_change_password", admin),
        Page("account_set_password", without_password),
        Page("socialaccount_connections", admin),
        Page("mfa_index", admin),
        Page("mfa_reauthenticate", admin),
        Page("mfa_deactivate_totp", admin),
        Page("mfa_view_recovery_codes", admin),
        Page("mfa_generate_recovery_codes", admin),
        Page("mfa_activate_totp", manager),
    ]
