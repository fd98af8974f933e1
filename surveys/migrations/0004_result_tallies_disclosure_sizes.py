from django.db import migrations


def count_again(apps, schema_editor):
    """The sums of the disclosure rule's measures kept its way: answers with a text counted per
    answer (were: per respondent), no count of who rated an area at all (the rule takes the most
    answered statement, read from the items' sums). Every survey with answers is counted again."""
    # The service itself (not a frozen copy): the sums must be exactly what it adds later.
    from surveys.results.services import result_tallies_add

    ResultTally = apps.get_model("surveys", "ResultTally")
    Response = apps.get_model("surveys", "Response")
    submitted = Response.objects.filter(
        submitted_at__isnull=False, survey__raw_answers_purged_at__isnull=True
    )
    for survey_id in submitted.values_list("survey_id", flat=True).distinct().order_by():
        ResultTally.objects.filter(survey_id=survey_id).delete()
        ids = list(submitted.filter(survey_id=survey_id).values_list("id", flat=True))
        result_tallies_add(survey_id=survey_id, response_ids=ids)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_result_tallies"),
    ]

    operations = [
        migrations.RunPython(count_again, migrations.RunPython.noop),
    ]
