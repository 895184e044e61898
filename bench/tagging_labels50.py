"""Writes DIR/labels50.csv from the built-in tagging set's DIR/labels.csv: each clip keeps its 13-tag
set and gains some of 37 more tags (t00..t36), drawn from a seeded generator: 50 tags, for measuring
memory at the scale of MagnaTagATune or MTG-Jamendo (the extra tags carry no sound).

    python3 bench/tagging_labels50.py DIR [N]   # N: only the first N clips (default: all)
"""
import random, sys

folder = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
rng = random.Random(50)
with open(f"{folder}/labels.csv") as f:
    header, *rows = f.read().splitlines()
rows = rows[:limit] if limit else rows
with open(f"{folder}/labels50.csv", "w") as out:
    out.write(header + "\n")
    for row in rows:
        path, tags = row.split(",", 1)
        extra = [f"t{t:02d}" for t in range(37) if rng.random() < 0.08]
        out.write(path + "," + ";".join(tags.split(";") + extra) + "\n")
print(f"wrote {folder}/labels50.csv: {len(rows)} clips")
