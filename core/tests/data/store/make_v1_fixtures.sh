#!/usr/bin/env bash
# Regenerates the V1 row fixtures from v1_decision_patterns.sql with a real
# PostgreSQL (the Debian `postgresql` package; scripts/with-postgres shows how to run one):
#   v1_rows.csv       COPY decision_patterns TO STDOUT WITH CSV HEADER
#   v1_rows.pg.json   SELECT json_agg(row_to_json(p)) (numbers as numbers)
#   v1_rows.node.json the same rows as node-pg hands them to JSON.stringify:
#                     DECIMAL as a string ("0.85"), timestamps as ISO 8601 with Z
# Usage: make_v1_fixtures.sh (run as root; needs a free port 55439)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
[ -x "$bin/initdb" ] || bin=/usr/lib/postgresql/15/bin
tmp="$(mktemp -d)"; chown postgres "$tmp"
trap 'runuser -u postgres -- "$bin/pg_ctl" -D "$tmp/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
runuser -u postgres -- "$bin/initdb" -D "$tmp/data" --auth=trust -U postgres >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p 55439 -c unix_socket_directories=$tmp -c timezone=UTC" start >/dev/null
psql=(psql -h 127.0.0.1 -p 55439 -U postgres -v ON_ERROR_STOP=1 -q)
"${psql[@]}" -f "$here/v1_decision_patterns.sql"
"${psql[@]}" -c "COPY (SELECT * FROM decision_patterns ORDER BY id) TO STDOUT WITH CSV HEADER" > "$here/v1_rows.csv"
"${psql[@]}" -At -c "SELECT json_agg(row_to_json(p) ORDER BY id) FROM decision_patterns p" \
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=1, ensure_ascii=False))' > "$here/v1_rows.pg.json"
python3 - "$here/v1_rows.pg.json" > "$here/v1_rows.node.json" <<'PY'
import json, sys, datetime
rows = json.load(open(sys.argv[1]))
def iso(v):
    # row_to_json: 2025-09-05T12:34:56.789 (timestamp) or ...+00:00 (timestamptz)
    t = datetime.datetime.fromisoformat(v)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    t = t.astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
times = {"first_seen", "created_at", "last_used", "last_modified", "updated_at", "deleted_at"}
for row in rows:
    for k, v in row.items():
        if v is None:
            continue
        if k == "confidence_score":
            row[k] = f"{v:.2f}"
        elif k in times:
            row[k] = iso(v)
print(json.dumps(rows, indent=1, ensure_ascii=False))
PY
echo "wrote v1_rows.csv, v1_rows.pg.json, v1_rows.node.json"
