"""Small helpers the figures modules share to build their SQL (this package may read any table:
it reports; it never writes, except the audit entries the views log through icv/audit.py)."""
import statistics


def in_area(column, suite_ids):
    """(SQL, params) limiting `column` (e.g. "v.suite_id") to an area's suites; London (None)
    adds nothing. An area with no suites matches nothing."""
    if suite_ids is None:
        return "", []
    if not suite_ids:
        return " AND 0", []
    return f" AND {column} IN ({', '.join('?' * len(suite_ids))})", list(suite_ids)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    """The p-th percentile (0-100) by the nearest-rank method: a value that happened."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    rank = max(1, -(-len(values) * p // 100))  # ceil(n * p / 100), at least 1
    return values[int(rank) - 1]


def percent(part, whole):
    return 100 * part / whole if whole else None
