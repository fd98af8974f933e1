"""Pages of a stable order. A malformed page number or size answers 400, a page past the last one
404 (as a missing object would); both say why."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 1000


def _whole_number(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = None
    if number is None or number < 1 or (maximum is not None and number > maximum):
        if maximum is None:
            message = _("Give a whole number of 1 or more.")
        else:
            message = _("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
        raise ValidationError({name: [message]})
    return number


class PortalPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _whole_number(request, "page_size", self.page_size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = Paginator(queryset, self.get_page_size(request))
        number = _whole_number(request, "page", 1)
        if number > paginator.num_pages:
            raise NotFound(
                _("There is no page %(page)s: the last page is %(last)s.")
                % {"page": number, "last": paginator.num_pages}
            )
        self.page = paginator.page(number)
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
