from django.urls import path  # noqa: F401

# Import/export of survey structures (LimeSurvey .lss, the portal's own JSON).
urlpatterns: list = []
