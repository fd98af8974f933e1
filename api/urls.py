from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views, viewsets

router = SimpleRouter()
router.register("programmes", viewsets.ProgrammeViewSet, basename="programme")
router.register("counties", viewsets.CountyViewSet, basename="county")
router.register("libraries", viewsets.LibraryViewSet, basename="library")
router.register("surveys", viewsets.SurveyViewSet, basename="survey")
router.register("courses", viewsets.CourseViewSet, basename="course")
router.register(
    "learning/completion", viewsets.CourseCompletionViewSet, basename="course-completion"
)
router.register("gatherings", viewsets.GatheringViewSet, basename="gathering")
router.register("registrations", viewsets.RegistrationViewSet, basename="registration")
router.register("exchange/offers", viewsets.OfferViewSet, basename="offer")
router.register("exchange/placements", viewsets.PlacementViewSet, basename="placement")
router.register("model-libraries/projects", viewsets.ModelLibraryViewSet, basename="model-library")
router.register("model-libraries/indicators", viewsets.IndicatorViewSet, basename="indicator")
router.register("model-libraries/reports", viewsets.ProgressReportViewSet, basename="report")

# The person's tokens, on their profile page (included by portal/urls.py without a namespace).
token_patterns = [
    path("", views.api_token_create, name="api_token_create"),
    path("<int:pk>/trekk-tilbake/", views.api_token_revoke, name="api_token_revoke"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.api_docs, name="docs"),
    re_path(r"^", viewsets.not_found, name="not_found"),
]
