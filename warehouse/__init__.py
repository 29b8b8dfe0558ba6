"""The warehouse: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL, the same code for both.

Layers and modules:
- `db` engines (cached per URL; SQLite WAL + real transactions), `schema` tables and public views.
- `state` loads and cursors; a cursor is set in the transaction that lands its rows.
- `raw` every version of every submission (`raw_submissions`) and the current one (`submission_state`);
  `pending` / `pending_deletes` / `mark_staged` track what staging still has to do.
- `staging` typed `stg_<form>` and `stg_<form>__<repeat>` tables, replaced per submission.
- `quarantine` current validation issues per submission; `marts` CCPM scores per cycle.

Schema-drift policy: raw evolves freely (JSON payload). Staging adds a column for a new question
automatically, accepts integers into a float column and any value into a text column, and raises
`staging.SchemaDriftError` for any other type change, naming the table, column, old and new type and the
fix (rename the question, or drop the column and re-stage with `raw.restage`). The nightly flow fails only
that form's staging (`flows.stage.stage_all`): the batch stays pending and loads on the rerun after the fix.
A renamed question (a new column while a staged column of the same type is no longer in the form) is a new
column: the old one is kept with the answers of submissions staged before, new rows leave it null, and the
night summary warns once (`flows.stage.renamed_questions`). Marts are fixed tables.
"""
