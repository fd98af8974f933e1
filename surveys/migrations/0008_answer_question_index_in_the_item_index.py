import django.db.models.deletion
from django.db import migrations, models

# The question's own index on answers goes: answer_item_idx (question, statement, dimension)
# begins with the question and serves every lookup by it, and each answer written then updates
# one index fewer. Only the index is dropped: Django's AlterField would also drop and add the
# foreign key again, checking every answer under a lock on the table.
INDEX = "surveys_answer_question_id_c0166f3c"


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0007_result_tally_lighter_updates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="question",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="surveys.question",
                        verbose_name="question",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "surveys_answer" ("question_id")',
                ),
            ],
        ),
    ]
