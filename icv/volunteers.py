"""The old Volunteers pages (issue 5): an ICV's custody record review training and vetting expiry
now live on their account page (icv/accounts/views.py). These addresses redirect there, so
bookmarks keep working."""
from flask import Blueprint, redirect, url_for

from .auth import COORDINATORS, role_required

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")


@bp.route("/")
@role_required(*COORDINATORS)
def index():
    """The accounts list (a coordinator sees the ICVs, with their record review status)."""
    return redirect(url_for("accounts.index"), 301)


@bp.route("/<int:user_id>")
@role_required(*COORDINATORS)
def edit(user_id):
    """The ICV's account page, where the record review fields now are."""
    return redirect(url_for("accounts.detail", user_id=user_id), 301)
