#!/usr/bin/env python3
"""bench/report.py: the benchmark's tables and JSON file.

    report.py RESULTS.txt --json OUT.json [--quick 0|1] [--compare OLD.json]
    report.py NEW.json [--compare OLD.json]     (show a saved run again)

RESULTS.txt is what bench/guest.sh wrote (records described there).  For
the read workloads and then for the write workloads (each with its own
columns), one table gives each cell's median and its spread (min-max over
the rounds), the next the ratio of medians to tmpfs; with --compare a
third gives new/old medians cell by cell.  Only the standard library.
"""
import argparse
import json
import statistics
import sys

COLUMNS = ["daxfs-phys", "daxfs-pmem", "daxfs-rw", "erofs-dax",
           "erofs-pagecache", "tmpfs", "overlay"]
# the columns of each part when the run does not say (runs from before
# the write workloads: every column read)
DEFAULT_PARTS = {"read": COLUMNS, "write": []}
REF = "tmpfs"

# name, unit, raw units per display unit, what it measures
# "cold" for the big-file rows: its pages dropped (fadvise DONTNEED); for
# the tree rows: sync + drop_caches 3.  "warm": the better of two passes.
READ_ROWS = [
    ("seq-cold", "ms", 1e6, "read() the big file whole, 1 MiB at a time; its pages dropped first"),
    ("seq-warm", "ms", 1e6, "the same again (best of 2)"),
    ("pread-cold", "us/op", 1e3, "4 KiB pread() at random 4 KiB offsets (fixed seed); pages dropped first"),
    ("pread-warm", "us/op", 1e3, "the same offsets again (best of 2)"),
    ("mmap-cold", "us/op", 1e3, "4 KiB memcpy from random offsets of a fresh shared mapping; pages dropped first"),
    ("mmap-warm", "us/op", 1e3, "the same offsets, a new mapping (best of 2)"),
    ("fault-cold", "ms", 1e6, "fresh mapping of the big file, one byte read per 4 KiB page; pages dropped first"),
    ("fault-warm", "ms", 1e6, "the same, a new mapping (best of 2)"),
    ("stat-cold", "ms", 1e6, "fstatat() every file of the stat tree after drop_caches (tmpfs dentries never go cold)"),
    ("stat-warm", "ms", 1e6, "the same again (best of 2)"),
    ("lookup-cold", "us/op", 1e3, "fstatat() of random names in the big directory after drop_caches"),
    ("lookup-warm", "us/op", 1e3, "the same names again (best of 2)"),
    ("src-cold", "ms", 1e6, "open+read+close every file of the source tree after drop_caches"),
    ("src-warm", "ms", 1e6, "the same again (best of 2)"),
    ("startup-cold", "ms", 1e6, "fork+chroot(mount/py)+exec python3 -c pass after drop_caches"),
    ("startup-warm", "ms", 1e6, "the same, median of several starts"),
    ("mem-cached", "MiB", 1024, "Cached growth: 8 mounts (tmpfs: 8 copies), the big file read in each"),
    ("mem-shmem", "MiB", 1024, "Shmem growth, same"),
    ("mem-avail", "MiB", 1024, "MemAvailable drop, same"),
]
# One pass per round each, in a new empty directory of the column's
# filesystem; space-* in bytes from the guest.
WRITE_ROWS = [
    ("untar", "ms", 1e6, "tar -xf of the header archive (from guest RAM) into the empty directory: fork+exec of tar included"),
    ("rm-tree", "ms", 1e6, "remove that tree (readdir, unlink, rmdir: rm -rf in bx)"),
    ("wseq", "ms", 1e6, "write() a new file 1 MiB at a time, no fsync"),
    ("wseq-fsync", "ms", 1e6, "the same with fsync() before the clock stops"),
    ("append", "us/op", 1e3, "100-byte write()s to one O_APPEND file"),
    ("overwrite", "us/op", 1e3, "4 KiB pwrite()s at random 4 KiB offsets (fixed seed) of an existing 64 MiB file"),
    ("churn", "us/op", 1e3, "create (O_EXCL) + write 100 bytes + close + unlink, a new name each time; per pair"),
    ("rewrite", "us/op", 1e3, "pwrite() of a whole 4 KiB file at offset 0, again and again"),
    ("space-rewrite", "MiB", 1 << 20, "statfs used space after those rewrites minus before them (a log must stay bounded)"),
    ("space-kept", "MiB", 1 << 20, "statfs used space after a round of write workloads minus before it, all their files removed"),
]
ROWS = READ_ROWS + WRITE_ROWS
ROW = {r[0]: r for r in ROWS}
PARTS = [("read", READ_ROWS), ("write", WRITE_ROWS)]
# the guest's workload of a row, where it is not the row's name up to its
# last "-" (err records name workloads)
WORKLOAD = {"untar": "untar", "rm-tree": "untar", "wseq": "wseq",
            "wseq-fsync": "wseq-fsync", "space-rewrite": "rewrite",
            "space-kept": "round"}
WRITE_ROW_NAMES = {r[0] for r in WRITE_ROWS}


def workload_of(row):
    """The guest's workload name a row belongs to (err records name it)."""
    if row in WRITE_ROW_NAMES:
        return WORKLOAD.get(row, row)
    return "mem" if row.startswith("mem-") else row.rsplit("-", 1)[0]


def parse_results(path):
    run = {"meta": {}, "filesystems": {}, "raw": {}, "errors": []}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ")
            kind = parts[0]
            try:
                if kind == "meta":
                    run["meta"][parts[1]] = " ".join(parts[2:])
                elif kind == "fs":
                    run["filesystems"][parts[1]] = {
                        "status": "ok" if parts[2] == "ok" else "n/a",
                        "detail": " ".join(parts[3:])}
                elif kind == "val":
                    row, fs, value = parts[1], parts[2], float(parts[4])
                    if row not in ROW:
                        continue
                    scaled = value / ROW[row][2]
                    run["raw"].setdefault(row, {}).setdefault(fs, []).append(
                        round(scaled, 6))
                elif kind == "err":
                    run["errors"].append({"workload": parts[1], "fs": parts[2],
                                          "round": int(parts[3]),
                                          "message": " ".join(parts[4:])})
            except (IndexError, ValueError):
                print(f"report.py: bad line skipped: {line.strip()}",
                      file=sys.stderr)
    for fs in COLUMNS:
        run["filesystems"].setdefault(fs, {"status": "not run", "detail": ""})
    return run


def summarize(run):
    summary = {}
    for row, *_ in ROWS:
        cells = run["raw"].get(row, {})
        summary[row] = {}
        for fs, vals in cells.items():
            summary[row][fs] = {"median": statistics.median(vals),
                                "min": min(vals), "max": max(vals),
                                "n": len(vals)}
        ref = summary[row].get(REF)
        for fs, cell in summary[row].items():
            if ref and ref["median"] > 0:
                cell["ratio_to_tmpfs"] = cell["median"] / ref["median"]
            else:
                cell["ratio_to_tmpfs"] = None
    run["summary"] = summary


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    return f"{v:.3f}"


def missing_cell(run, row, fs):
    st = run["filesystems"][fs]["status"]
    if st == "n/a":
        return "n/a"
    if st == "not run":
        return "-"
    if any(e["fs"] == fs and e["workload"] == workload_of(row)
           for e in run["errors"]):
        return "err"
    return "-"


def table(header, rows):
    widths = [max(len(r[i]) for r in [header] + rows)
              for i in range(len(header))]
    line = lambda r: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(r, widths)))
    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def part_columns(run, part):
    """The columns of one part (read or write) that the run set up."""
    named = run.get("parts", DEFAULT_PARTS)[part]
    return [fs for fs in COLUMNS if fs in named
            and run["filesystems"][fs]["status"] != "not run"]


def columns_in(run):
    return [fs for fs in COLUMNS
            if any(fs in part_columns(run, p) for p, _ in PARTS)]


def show(run):
    m = run["meta"]
    print(f"\nDAXFS benchmark: kernel {m.get('kernel', '?')}, "
          f"{m.get('date', '?')}, {run.get('rounds', '?')} rounds"
          f"{' (QUICK)' if run.get('quick') else ''}")
    if run.get("shape"):
        print(f"read shape: {run['shape']}")
    if m.get("wshape"):
        print(f"write shape: {m['wshape']} (archive: "
              f"{m.get('untar_from', '?')})")
    if m.get("setup_s"):
        print(f"guest time: setup {m.get('setup_s')}s, rounds "
              f"{m.get('rounds_s', '?')}s, memory test {m.get('mem_s', '?')}s")
    for part, prows in PARTS:
        cols = part_columns(run, part)
        if not cols:
            continue
        print(f"\n{part.upper()}S: median (min-max) over the rounds; "
              "lower is better")
        rows = []
        for row, unit, _, _ in prows:
            r = [f"{row} [{unit}]"]
            for fs in cols:
                c = run["summary"].get(row, {}).get(fs)
                if c:
                    r.append(f"{fmt(c['median'])} ({fmt(c['min'])}-{fmt(c['max'])})")
                else:
                    r.append(missing_cell(run, row, fs))
            rows.append(r)
        print(table(["workload"] + cols, rows))

        print(f"\n{part.upper()}S: ratio of medians to {REF} (1.00 = as "
              f"{REF}; <1 faster or smaller)")
        rows = []
        for row, unit, _, _ in prows:
            r = [row]
            for fs in cols:
                c = run["summary"].get(row, {}).get(fs)
                if c:
                    r.append(fmt(c["ratio_to_tmpfs"]) if c["ratio_to_tmpfs"] is not None else "-")
                else:
                    r.append(missing_cell(run, row, fs))
            rows.append(r)
        print(table(["workload"] + cols, rows))
    notes(run, columns_in(run))


def notes(run, cols):
    print()
    for fs in cols:
        st = run["filesystems"][fs]
        if st["status"] == "n/a":
            print(f"  {fs}: n/a ({st['detail']})")
    seen = set()
    for e in run["errors"]:
        key = (e["workload"], e["fs"])
        if key in seen:
            continue
        seen.add(key)
        n = sum(1 for x in run["errors"]
                if (x["workload"], x["fs"]) == key)
        print(f"  err: {e['workload']} on {e['fs']} ({n}x): {e['message']}")
    print("  rows:")
    for part, prows in PARTS:
        if not part_columns(run, part):
            continue
        for row, unit, _, desc in prows:
            print(f"    {row:13} {desc}")


def compare(new, old):
    om, nm = old.get("meta", {}), new.get("meta", {})
    print(f"\nnew/old ratio of medians (new {nm.get('kernel', '?')} "
          f"{nm.get('date', '?')}, old {om.get('kernel', '?')} "
          f"{om.get('date', '?')}); >1 slower or bigger than before")
    if om.get("kernel") != nm.get("kernel") or old.get("quick") != new.get("quick") \
            or old.get("shape") != new.get("shape") \
            or (om.get("wshape") and nm.get("wshape")
                and om["wshape"] != nm["wshape"]):
        print("  note: kernel, QUICK or data shape differ between the runs")
    osum = old.get("summary", {})
    for part, prows in PARTS:
        # the columns both runs measured in this part
        cols = [fs for fs in part_columns(new, part)
                if any(fs in osum.get(r[0], {}) for r in prows)]
        if not cols:
            continue
        rows = []
        for row, *_ in prows:
            r = [row]
            for fs in cols:
                n = new["summary"].get(row, {}).get(fs)
                o = osum.get(row, {}).get(fs)
                if n and o and o["median"] not in (0, None):
                    r.append(f"{n['median'] / o['median']:.2f}")
                else:
                    r.append("-")
            rows.append(r)
        print(f"\n{part.upper()}S")
        print(table(["workload"] + cols, rows))


def normalized(run):
    """A saved run, with what runs made before some column or row lack."""
    for fs in COLUMNS:
        run.setdefault("filesystems", {}).setdefault(
            fs, {"status": "not run", "detail": ""})
    run.setdefault("errors", [])
    run.setdefault("summary", {})
    run.setdefault("meta", {})
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input", help="results.txt from the guest, or a saved .json")
    ap.add_argument("--json", help="write the run to this file")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--compare", help="an earlier run's .json")
    a = ap.parse_args()

    if a.input.endswith(".json"):
        with open(a.input) as f:
            run = normalized(json.load(f))
    else:
        run = parse_results(a.input)
        m = run["meta"]
        run["format"] = 1
        run["quick"] = a.quick == "1"
        rounds = {fs: max((len(v) for r, c in run["raw"].items()
                           for f2, v in c.items() if f2 == fs), default=0)
                  for fs in COLUMNS}
        run["rounds"] = max(rounds.values(), default=0)
        run["shape"] = m.get("shape", "")
        run["columns"] = COLUMNS
        # runs from before the write workloads named no parts
        if "read_columns" in m or "write_columns" in m:
            run["parts"] = {"read": m.get("read_columns", "").split(),
                            "write": m.get("write_columns", "").split()}
        else:
            run["parts"] = DEFAULT_PARTS
        run["rows"] = [{"name": r[0], "unit": r[1], "desc": r[3],
                        "part": p} for p, prows in PARTS for r in prows]
        summarize(run)
        if m.get("done") != "1":
            print("report.py: the guest did not finish: partial results",
                  file=sys.stderr)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(run, f, indent=1, sort_keys=True)
            f.write("\n")
    show(run)
    if a.compare:
        with open(a.compare) as f:
            compare(run, normalized(json.load(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
