"""All tables of all packages, for Alembic: import each package's table module here."""
import importlib

from engine.tables import Base

for _module in ("workflows.tables", "workflows.notifications.tables", "workflows.documents.tables",
                "worker.tables", "webapp.tables", "webapp.admin.tables"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:
        if not (_module == exc.name or _module.startswith(f"{exc.name}.")):
            raise

metadata = Base.metadata
