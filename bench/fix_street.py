"""(One-off) put the street into the room row of a history generated before bench/history.py
wrote it: `python -m bench.fix_street PATH`."""
import sqlite3
import sys

for path in sys.argv[1:]:
    c = sqlite3.connect(path)
    data = c.execute("SELECT data FROM events WHERE name = 'street.loaded' ORDER BY seq LIMIT 1").fetchone()[0]
    import json
    street = json.dumps(json.loads(data)["street"], ensure_ascii=False)
    c.execute("UPDATE room SET street = ? WHERE id = 1 AND street IS NULL", (street,))
    c.commit()
    print(path, c.execute("SELECT length(street) FROM room").fetchone())
