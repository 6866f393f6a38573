"""Visit reports: ICVs record visits on phones, save drafts, submit and correct them."""
from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")

from . import questions  # noqa: E402
from .snapshot import entry_rows  # noqa: E402


@bp.app_context_processor
def report_vocabulary():
    """The report's questions, for the visit templates."""
    return {"questions": questions, "entry_rows": entry_rows}


from . import views  # noqa: E402,F401  (registers the routes on bp)
