"""Query expressions shared by the apps' selectors."""

from __future__ import annotations

from django.db.models import Func, IntegerField, QuerySet, Subquery


def count_of(queryset: QuerySet) -> Subquery:
    """The number of rows of a queryset (usually filtered on an `OuterRef`) as a subquery,
    `(SELECT COUNT(*) ...)`, 0 when there are none. Unlike `Count` over a join it neither
    multiplies the outer rows nor groups them, so several counts can sit side by side and each
    is an index lookup."""
    return Subquery(
        queryset.order_by().values(n=Func("pk", function="COUNT")), output_field=IntegerField()
    )
