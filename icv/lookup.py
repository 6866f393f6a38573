"""Fetching one value for many ids in one query: how a module gets names (or the like) from the
owner of another table after its own query, instead of joining that table."""


def by_id(db, select, ids):
    """{id: value} of the rows of `select` (the caller's own "SELECT id, x AS value FROM table",
    no WHERE) whose id is in `ids`; ids may repeat or be None."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {r["id"]: r["value"] for r in db.query(
        f"{select} WHERE id IN ({','.join('?' * len(wanted))})", wanted)}
