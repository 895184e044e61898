#!/usr/bin/env python3
"""Accuracy of our elementary functions against mpmath (200 bits): the largest error in ulps of the
exact value, and how many results are correctly rounded, over a dense seeded grid of each function's
range plus the hard cases (near 0, near overflow and underflow, subnormals, huge arguments to sin and
cos, +-0, +-inf, NaN).

Needs mpmath (a venv outside the repository; never a dependency of the product or CI) and a built lab:
    python3 bench/elementary_accuracy.py [--lab .build/release/lab] [--points 20000]
Writes bench/elementary-accuracy.json (committed) and prints a table for docs/determinism.md."""
import argparse, json, math, os, random, struct, subprocess, sys, tempfile
import mpmath as mp

mp.mp.prec = 200
INF, NAN = float("inf"), float("nan")


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def grid(rng, lo, hi, n, log=False):
    if log:
        return [math.exp(rng.uniform(math.log(lo), math.log(hi))) for _ in range(n)]
    return [rng.uniform(lo, hi) for _ in range(n)]


def specials(pos_only=False):
    s = [0.0, -0.0, INF, -INF, NAN, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 1.7976931348623157e308]
    s += [2.0 ** -k for k in range(1, 1075, 7)] + [-(2.0 ** -k) for k in range(1, 1075, 13)]
    s += [2.0 ** k for k in range(0, 1024, 9)] + [-(2.0 ** k) for k in range(0, 1024, 17)]
    return [x for x in s if not pos_only or not x < 0]


def cases(rng, n):
    """function -> list of (x, y); Float functions get float inputs."""
    c = {}
    c["exp"] = [(x, 0) for x in grid(rng, -745.2, 709.8, n) + grid(rng, -1, 1, n // 4) + grid(rng, 1e-20, 1e-3, n // 4, True)
                + [709.78, 709.782712893384, 709.7827128933841, -745.13, -745.1332191019411, -708.4, 1e-300] + specials()]
    c["log"] = [(x, 0) for x in grid(rng, 1e-307, 1e307, n, True) + grid(rng, 0.5, 2, n) + grid(rng, 1 - 1e-6, 1 + 1e-6, n // 4)
                + specials()]
    c["log10"] = [(x, 0) for x in grid(rng, 1e-307, 1e307, n, True) + grid(rng, 0.5, 2, n // 2) + [10.0 ** k for k in range(23)]
                  + specials()]
    trig = grid(rng, -10, 10, n) + grid(rng, -1e6, 1e6, n // 2) + grid(rng, 1, 1e300, n // 2, True) + \
        [1e22, 5.319372648326541e255, 1.0 * 6381956970095103 * 2.0 ** 797, 8.988465674311579e307, math.pi, math.pi / 2,
         355.0, 103993.0, 1.5707963267948966, 3.141592653589793] + specials()
    c["sin"] = [(x, 0) for x in trig]
    c["cos"] = [(x, 0) for x in trig]
    c["tanh"] = [(x, 0) for x in grid(rng, -25, 25, n) + grid(rng, -0.6, 0.6, n) + grid(rng, 1e-20, 1e-2, n // 4, True)
                 + specials()]
    c["pow"] = [(rng.uniform(0, 10), rng.uniform(-300, 300)) for _ in range(n)] + \
        [(math.exp(rng.uniform(-700, 700)), rng.uniform(-1, 1)) for _ in range(n // 2)] + \
        [(1 + rng.uniform(-1e-5, 1e-5), rng.uniform(-1e7, 1e7)) for _ in range(n // 4)] + \
        [(-2.0, 3.0), (-2.0, 0.5), (0.0, -1.0), (-0.0, -3.0), (2.0, -1074.0), (2.0, 1023.0), (2.0, 1024.0), (10.0, -323.5),
         (0.5, INF), (1.0, NAN), (NAN, 0.0), (-1.0, INF), (INF, -2.0), (-INF, 3.0)]
    c["atan2"] = [(rng.uniform(-100, 100), rng.uniform(-100, 100)) for _ in range(n)] + \
        [(math.exp(rng.uniform(-700, 700)), math.exp(rng.uniform(-700, 700))) for _ in range(n // 2)] + \
        [(0.0, -1.0), (-0.0, -1.0), (1.0, 0.0), (INF, INF), (-INF, -INF), (1e-300, 1e300), (1e300, 1e-300), (5e-324, 1.0)]
    c["hypot"] = [(rng.uniform(-100, 100), rng.uniform(-100, 100)) for _ in range(n)] + \
        [(math.exp(rng.uniform(-740, 709)), math.exp(rng.uniform(-740, 709))) for _ in range(n // 2)] + \
        [(1e308, 1e308), (5e-324, 5e-324), (3.0, 4.0), (INF, NAN), (NAN, 1.0), (0.0, -0.0)]
    for name in ["exp", "log", "log10", "sin", "cos", "tanh"]:
        c[name + "f"] = [(f32(x), 0) for x, _ in c[name] if abs(x) < 3.4e38 or not math.isfinite(x)]
    for name in ["pow", "atan2", "hypot"]:
        c[name + "f"] = [(f32(x), f32(y)) for x, y in c[name][: n // 2]
                         if abs(x) < 3.4e38 and abs(y) < 3.4e38]
    return c


def exact(name, x, y):
    base = name.rstrip("f")
    X, Y = mp.mpf(x), mp.mpf(y)
    return {"exp": lambda: mp.exp(X), "log": lambda: mp.log(X), "log10": lambda: mp.log10(X), "sin": lambda: mp.sin(X),
            "cos": lambda: mp.cos(X), "tanh": lambda: mp.tanh(X), "pow": lambda: mp.power(X, Y),
            "atan2": lambda: mp.atan2(X, Y), "hypot": lambda: mp.sqrt(X * X + Y * Y)}[base]()


def ulp_error(got, v, single):
    """|got - v| in ulps of the format at v (v an mpf)."""
    mant, emin = (24, -149) if single else (53, -1074)
    if v == 0:
        return 0.0 if got == 0 else float("inf")
    e = int(mp.floor(mp.log(abs(v), 2)))
    ulp = mp.mpf(2) ** max(e - mant + 1, emin)
    return float(abs(mp.mpf(got) - v) / ulp)


def special_ok(name, x, y, got):
    """IEEE/C99 results where no finite exact value exists: NaN, infinities, and zeros from limits."""
    import numpy as np
    base = name.rstrip("f")
    ref = {"exp": np.exp, "log": np.log, "log10": np.log10, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
           "pow": np.power, "atan2": np.arctan2, "hypot": np.hypot}[base]
    with np.errstate(all="ignore"):
        r = float(ref(x, y) if base in ("pow", "atan2", "hypot") else ref(x))
    if math.isnan(r):
        return math.isnan(got)
    return got == r and math.copysign(1, got) == math.copysign(1, r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lab", default=".build/release/lab")
    ap.add_argument("--points", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--inputs", help="a file of `function x` lines (hexadecimal), e.g. the inputs `lab bench elementary "
                    "--exhaustive` found where ours and the rounded double differ: each is checked and printed")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    table = cases(rng, a.points)
    if a.inputs:
        for line in open(a.inputs):
            f = line.replace(",", " ").split()
            for name, x in zip(f[0::2], f[1::2]):
                table.setdefault("checked " + name, []).append((float.fromhex(x), 0.0))
    lines, keys = [], []
    for name, xs in table.items():
        for x, y in xs:
            lines.append(f"{name.split()[-1]} {float(x).hex()} {float(y).hex()}")
            keys.append((name, x, y))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
    out = subprocess.run([a.lab, "bench", "elementary", "--eval", fh.name], capture_output=True, text=True, check=True).stdout.split()
    os.unlink(fh.name)
    summary = {}
    for (name, x, y), h in zip(keys, out):
        single = name.endswith("f")
        if name.startswith("checked "):
            fn = name.split()[-1]
            bits = int(h, 16)
            got = struct.unpack("f", struct.pack("I", bits))[0] if single else struct.unpack("d", struct.pack("Q", bits))[0]
            v = exact(fn, x, y)
            err = ulp_error(got, v, single)
            print(f"{fn}({x.hex()}) = {got!r}: {err:.6f} ulp from exact {mp.nstr(v, 20)}, "
                  + ("correctly rounded" if err <= 0.5 else "NOT correctly rounded"))
            continue
        bits = int(h, 16)
        got = struct.unpack("f", struct.pack("I", bits))[0] if single else struct.unpack("d", struct.pack("Q", bits))[0]
        s = summary.setdefault(name, {"points": 0, "max_ulp": 0.0, "worst_at": None, "correctly_rounded": 0, "special_failures": []})
        s["points"] += 1
        if math.isnan(x) or math.isnan(y) or math.isinf(x) or math.isinf(y) or (name.startswith("log") and x <= 0) \
                or (name.startswith("pow") and (x <= 0 or y == 0)) or (name.startswith("atan2") and (x == 0 or y == 0)) \
                or (name.startswith("hypot") and x == 0 and y == 0):
            if special_ok(name, x, y, got):
                s["correctly_rounded"] += 1
            else:
                s["special_failures"].append([x, y, got])
            continue
        v = exact(name, x, y)
        if not math.isfinite(got):
            limit = 3.4028234663852886e38 if single else 1.7976931348623157e308
            ok = abs(v) > limit * (1 + 2.0 ** -25 if single else 1 + 2.0 ** -54) and math.isinf(got)
            err = 0.0 if ok else float("inf")
        else:
            err = ulp_error(got, v, single)
        if err <= 0.5:
            s["correctly_rounded"] += 1
        if err > s["max_ulp"]:
            s["max_ulp"], s["worst_at"] = err, [x, y]
    print(f"{'function':9} {'points':>8} {'max error (ulp)':>16} {'correctly rounded':>18}  worst at")
    for name, s in summary.items():
        print(f"{name:9} {s['points']:8} {s['max_ulp']:16.4f} {s['correctly_rounded'] / s['points']:17.4%}  {s['worst_at']}"
              + (f"  SPECIAL CASES WRONG: {s['special_failures'][:3]}" if s["special_failures"] else ""))
    json.dump({"seed": a.seed, "points_per_range": a.points, "mpmath_bits": 200, "functions": summary},
              open("bench/elementary-accuracy.json", "w"), indent=1, default=str)
    bad = [n for n, s in summary.items() if s["max_ulp"] >= 1 or s["special_failures"]]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
