#!/usr/bin/env python3
"""Builds the ingest benchmark's fixture: schools, tokens, one report and one meeting per school.

Writes into OUTDIR:
  schools.csv   code,name,website,district (for `mwctl load-schools`)
  districts.txt one district name a line (their stage deadlines are set by the caller)
  tokens.tsv    code<TAB>token                          (the SQL side stores sha256(token))
  reports.tsv   code<TAB>token<TAB>report JSON          (for wrk and for pgbench's COPY)
  meetings.tsv  code<TAB>token<TAB>meeting JSON
Each report is gen_report.py's (the same generator as the demos, seeded by the school, so every
school's report is distinct) with PLACEHOLDER appended to its "comment": the load generators
replace it with a per-request sequence so that every request body is unique (a new version,
never a replay). A meeting event carries PLACEHOLDER in its "note". JSON holds no raw TAB or
newline, so a line is one record. The same arguments always give the same bytes.

    make_fixture.py --schools 1000 --size 20000 OUTDIR
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_report  # noqa: E402  (read-only use of the shared generator)

PLACEHOLDER = "@@SEQ@@"
YEAR = "2024/2025"
MEETING_TYPES = ["organisational", "trial", "planning", "regular", "final"]


def school_code(i):
    return f"BENCH{i:04d}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schools", type=int, default=1000)
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--size", type=int, default=20000, help="report size in bytes (gen_report.py --size)")
    ap.add_argument("--stage", default="intermediate", choices=gen_report.STAGES)
    ap.add_argument("outdir")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)

    districts = [f"Бенчмарк-район {d + 1}" for d in range(a.districts)]
    schools, tokens, reports, meetings = [], [], [], []
    sizes = []
    for i in range(1, a.schools + 1):
        code = school_code(i)
        district = districts[(i - 1) % a.districts]
        # Deterministic, not secret: a bench token is the hash of the school code.
        token = "mw_bench_" + hashlib.sha256(("mentorwatch-bench/" + code).encode()).hexdigest()[:40]
        schools.append(f'{code},"МБОУ СОШ № {i} (бенчмарк)",https://{code.lower()}.edu.example,'
                       f'"{district}"')
        tokens.append(f"{code}\t{token}")

        report = gen_report.generate(code, YEAR, a.stage, i, a.size)
        report["comment"] = report.get("comment", "") + f" Выгрузка {PLACEHOLDER}."
        body = gen_report.encode(report, False).decode()
        assert "\t" not in body and "\n" not in body and body.count(PLACEHOLDER) == 1
        reports.append(f"{code}\t{token}\t{body}")
        sizes.append(len(body.encode()))

        rng = random.Random(f"meeting/{code}")
        meeting = {"school": code, "academic_year": YEAR, "pair": f"P{rng.randint(1, 30):03d}",
                   "type": rng.choice(MEETING_TYPES),
                   "date": (dt.date(2024, 10, 1) + dt.timedelta(days=rng.randint(0, 60))).isoformat(),
                   "feedback": rng.random() < 0.9,
                   "note": f"Встреча пары, форма обратной связи заполнена {PLACEHOLDER}"}
        meetings.append(f"{code}\t{token}\t" + json.dumps(meeting, ensure_ascii=False,
                                                          separators=(",", ":")))

    def write(name, lines, header=None):
        with open(os.path.join(a.outdir, name), "w", encoding="utf-8", newline="\n") as f:
            if header:
                f.write(header + "\n")
            f.write("\n".join(lines) + "\n")

    write("schools.csv", schools, "code,name,website,district")
    write("districts.txt", districts)
    write("tokens.tsv", tokens)
    write("reports.tsv", reports)
    write("meetings.tsv", meetings)
    sizes.sort()
    print(f"fixture: {a.schools} schools, {a.districts} districts, reports {sizes[0]}..{sizes[-1]} "
          f"bytes (median {sizes[len(sizes) // 2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
