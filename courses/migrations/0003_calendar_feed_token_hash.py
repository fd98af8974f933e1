"""Calendar-feed tokens: keep only their hash (as for survey and staff invitations).

Existing addresses keep working: their token is hashed in place. They have no `issued_at`, so the
calendar page cannot show them again and offers a new address instead.
"""

import hashlib
import secrets

from django.db import migrations, models


def hash_plain_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("courses", "CalendarFeed")
    for feed in CalendarFeed.objects.all().only("pk", "token"):
        # The same hash as portal.tokens.token_hash (spelled out: migrations do not import app code).
        feed.token_hash = hashlib.sha256(feed.token.encode()).hexdigest()
        feed.save(update_fields=["token_hash"])


def new_plain_tokens(apps, schema_editor):
    # A hash cannot be turned back into its token: going back gives everyone a new address.
    CalendarFeed = apps.get_model("courses", "CalendarFeed")
    for feed in CalendarFeed.objects.all().only("pk"):
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_registration_offers_questions"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="calendarfeed",
            name="issued_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="issued"),
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token",
            field=models.CharField(max_length=64, null=True, verbose_name="token"),
        ),
        migrations.RunPython(hash_plain_tokens, new_plain_tokens),
        migrations.RemoveField(model_name="calendarfeed", name="token"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
