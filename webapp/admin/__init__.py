"""Process administration (issue 6): model versions, drafts with validation on save, the diagram,
decision-table and form editors, dry runs, migration of running instances and operations pages.

Views live in ``webapp/blueprints/admin*.py`` and call the services here; the services call the
engine's service API (``engine.service.Engine``) and :mod:`engine.migration`.
"""
