#!/usr/bin/env python3
"""Issue 6's quality rules, one small case each, against `wirebase extract`.

    run_cases.py [WIREBASE] [--case NAME] [--list-failures] [--cases DIR]

WIREBASE is the binary (else $WIREBASE_BIN). Every tests/extract/cases/*.json
is {"rule", "input": {"title", "body", "published_at"}, "expect", "absent",
"counts"}; its input goes to `WIREBASE extract -` on stdin. A case passes when:

  expect.entities    each appears with an equal name and type; each expected
                     alias is among its aliases or is its name.
  expect.quotes      each appears with the same speaker and a text equal after
                     trimming whitespace and trailing , . (or token Jaccard
                     >= 0.8).
  expect.agreements  each matches its own predicted agreement: equal kind,
                     every title_has word in the title, and where given an
                     equal party set, signatory set, status and signed_on,
                     and supersedes_has inside supersedes.
  absent.entities    no predicted entity has one of these names.
  absent.quotes      no predicted quote has one of these texts.
  counts             exactly this many predicted entities/quotes/agreements.
  always             the output has the documented shape; every mention's
                     [start, end) slices its field (body or title) to one of
                     the entity's names or to a capitalised surface; every
                     quote's [start, end) slices the body to its text.

Names compare casefolded, with dots removed and a leading "the" dropped, so
"U.S." == "US" and "the EU" == "EU". Offsets are code points, end exclusive.
One line per failing check, then "N/M cases pass"; exit 1 if any case fails.
--list-failures also prints each failing case's input and predicted JSON.
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {"person", "organization", "location", "product"}
KINDS = {"memorandum", "treaty", "accord", "plan", "deal", "agreement"}
STATUSES = {"signed", "proposed", "pending_ratification", "in_force", "superseded", "expired"}


# ---------------------------------------------------------------- matching
def norm(s):
    s = (s or "").replace("\u2019", "'").replace("\u2018", "'").casefold()
    s = " ".join(s.replace(".", "").split())
    return s[4:] if s.startswith("the ") else s


def trim_text(s):
    return (s or "").strip().rstrip(",.").strip()


def tokens(s):
    s = (s or "").replace("\u2019", "'").replace("\u2018", "'").casefold()
    return set(re.findall(r"\w+(?:'\w+)*", s))


def same_text(a, b):
    if trim_text(a) == trim_text(b):
        return True
    ta, tb = tokens(a), tokens(b)
    return bool(ta | tb) and len(ta & tb) / len(ta | tb) >= 0.8


def names_of(ent):
    return [ent.get("name") or ""] + [a for a in ent.get("aliases") or [] if isinstance(a, str)]


def agreement_diff(exp, got):
    """The fields of an expected agreement that a predicted one gets wrong."""
    bad = []
    if got.get("kind") != exp["kind"]:
        return ["kind %r" % got.get("kind")]
    title = (got.get("title") or "").casefold()
    for w in exp.get("title_has", []):
        if w.casefold() not in title:
            bad.append("title %r lacks %r" % (got.get("title"), w))
    for key in ("parties", "signatories"):
        if key in exp:
            want = {norm(n) for n in exp[key]}
            have = {norm(n) for n in got.get(key) or [] if isinstance(n, str)}
            if want != have:
                bad.append("%s %s" % (key, json.dumps(got.get(key), ensure_ascii=False)))
    for key in ("status", "signed_on"):
        if key in exp and got.get(key) != exp[key]:
            bad.append("%s %s" % (key, json.dumps(got.get(key))))
    if "supersedes_has" in exp:
        sup = got.get("supersedes")
        if not isinstance(sup, str) or exp["supersedes_has"].casefold() not in sup.casefold():
            bad.append("supersedes %s" % json.dumps(sup, ensure_ascii=False))
    return bad


def assign(exp, got):
    """One predicted agreement per expected one (small sets: backtracking)."""
    ok = [[j for j, g in enumerate(got) if not agreement_diff(e, g)] for e in exp]

    def walk(i, used):
        if i == len(exp):
            return []
        for j in ok[i]:
            if j not in used:
                rest = walk(i + 1, used | {j})
                if rest is not None:
                    return [j] + rest
        return None

    return walk(0, frozenset()) is not None, ok


# ---------------------------------------------------------------- checks
def check_shape(pred, inp, fail):
    for key in ("entities", "quotes", "agreements"):
        if not isinstance(pred.get(key), list):
            fail("output: %r is not a list" % key)
            pred[key] = []
    fields = {"body": inp.get("body") or "", "title": inp.get("title") or ""}
    for e in pred["entities"]:
        name = e.get("name")
        if e.get("type") not in TYPES:
            fail("entity %r: type %r is not one of %s" % (name, e.get("type"), sorted(TYPES)))
        forms = {norm(n) for n in names_of(e)}
        for m in e.get("mentions") or []:
            field, start, end = m.get("field", "body"), m.get("start"), m.get("end")
            text = fields.get(field)
            if text is None or not isinstance(start, int) or not isinstance(end, int) \
                    or not 0 <= start < end <= len(text):
                fail("entity %r: mention %s is outside its field" % (name, json.dumps(m)))
                continue
            surface = text[start:end]
            if norm(surface) not in forms and not surface[0].isupper():
                fail("entity %r: mention [%d,%d) of %s is %r" % (name, start, end, field, surface))
    body = fields["body"]
    for q in pred["quotes"]:
        start, end = q.get("start"), q.get("end")
        if not isinstance(start, int) or not isinstance(end, int) \
                or not 0 <= start <= end <= len(body):
            fail("quote %r: offsets [%r,%r) are outside the body" % (q.get("text"), start, end))
        elif body[start:end] != q.get("text"):
            fail("quote %r: [%d,%d) slices the body to %r" % (q.get("text"), start, end,
                                                             body[start:end]))
    for a in pred["agreements"]:
        if a.get("kind") not in KINDS:
            fail("agreement %r: kind %r" % (a.get("title"), a.get("kind")))
        if a.get("status") not in STATUSES:
            fail("agreement %r: status %r" % (a.get("title"), a.get("status")))
        so = a.get("signed_on")
        if so is not None and not (isinstance(so, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", so)):
            fail("agreement %r: signed_on %r" % (a.get("title"), so))
        start, end = a.get("start"), a.get("end")
        if not isinstance(start, int) or not isinstance(end, int) \
                or not 0 <= start <= end <= len(body):
            fail("agreement %r: offsets [%r,%r) are outside the body" % (a.get("title"), start, end))


def check_expect(case, pred, fail):
    exp = case.get("expect", {})
    ents, quotes, agrs = pred["entities"], pred["quotes"], pred["agreements"]
    for e in exp.get("entities", []):
        same = [g for g in ents if norm(g.get("name")) == norm(e["name"])]
        typed = [g for g in same if g.get("type") == e["type"]]
        if not same:
            fail("entity %r (%s) missing; entities: %s" % (
                e["name"], e["type"], ", ".join("%s/%s" % (g.get("name"), g.get("type"))
                                               for g in ents) or "none"))
        elif not typed:
            fail("entity %r: type %s, expected %s" % (e["name"], same[0].get("type"), e["type"]))
        else:
            forms = {norm(n) for g in typed for n in names_of(g)}
            for alias in e.get("aliases", []):
                if norm(alias) not in forms:
                    fail("entity %r: alias %r missing; aliases %s" % (
                        e["name"], alias, json.dumps(typed[0].get("aliases"), ensure_ascii=False)))
    for q in exp.get("quotes", []):
        text_hits = [g for g in quotes if same_text(g.get("text"), q["text"])]
        if not text_hits:
            fail("quote %r missing; quotes: %s" % (q["text"], json.dumps(
                [g.get("text") for g in quotes], ensure_ascii=False)))
        elif not any(norm(g.get("speaker")) == norm(q["speaker"]) for g in text_hits):
            fail("quote %r: speaker %r, expected %r" % (
                q["text"], text_hits[0].get("speaker"), q["speaker"]))
    want = exp.get("agreements", [])
    if want:
        matched, ok = assign(want, agrs)
        for e, hits in zip(want, ok):
            if hits:
                continue
            same_kind = [g for g in agrs if g.get("kind") == e["kind"]]
            if not same_kind:
                fail("agreement %s %s missing; agreements: %s" % (
                    e["kind"], e.get("title_has", []), json.dumps(
                        ["%s/%s" % (g.get("title"), g.get("kind")) for g in agrs],
                        ensure_ascii=False)))
                continue
            best = min(same_kind, key=lambda g: len(agreement_diff(e, g)))
            fail("agreement %s %s: closest is %r with %s" % (
                e["kind"], e.get("title_has", []), best.get("title"),
                "; ".join(agreement_diff(e, best))))
        if not matched and all(ok):
            fail("agreements: expected ones share one prediction; agreements: %s" % json.dumps(
                [g.get("title") for g in agrs], ensure_ascii=False))
    absent = case.get("absent", {})
    for name in absent.get("entities", []):
        for g in ents:
            if norm(g.get("name")) == norm(name):
                fail("entity %r (%s) should not be there" % (g.get("name"), g.get("type")))
    for text in absent.get("quotes", []):
        for g in quotes:
            if same_text(g.get("text"), text):
                fail("quote %r (speaker %r) should not be there" % (g.get("text"), g.get("speaker")))
    for key, n in case.get("counts", {}).items():
        if len(pred.get(key, [])) != n:
            fail("%d %s, expected %d: %s" % (len(pred.get(key, [])), key, n, json.dumps(
                [g.get("title") or g.get("text") or g.get("name") for g in pred.get(key, [])],
                ensure_ascii=False)))


def run_case(binary, path):
    """-> (case, prediction or None, [failure messages])"""
    failures = []
    with open(path, encoding="utf-8") as f:
        case = json.load(f)
    inp = case.get("input", {})
    if not case.get("rule") or not isinstance(inp.get("body"), str):
        return case, None, ["case file: needs \"rule\" and \"input\".\"body\""]
    try:
        proc = subprocess.run([binary, "extract", "-"], input=json.dumps(inp).encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return case, None, ["extract did not run: %s" % err]
    if proc.returncode != 0:
        return case, None, ["extract exited %d: %s" % (
            proc.returncode, proc.stderr.decode(errors="replace").strip()[:300])]
    try:
        pred = json.loads(proc.stdout.decode())
        if not isinstance(pred, dict):
            raise ValueError("not an object")
    except ValueError as err:
        return case, None, ["extract printed no JSON object: %s" % err]
    check_shape(pred, inp, failures.append)
    check_expect(case, pred, failures.append)
    return case, pred, failures


def main(argv):
    binary, only, details = os.environ.get("WIREBASE_BIN"), None, False
    cases_dir = os.path.join(HERE, "cases")
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--case" and args:
            only = args.pop(0)
        elif a == "--cases" and args:
            cases_dir = args.pop(0)
        elif a == "--list-failures":
            details = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif not a.startswith("-"):
            binary = a      # the argument wins over $WIREBASE_BIN
        else:
            sys.stderr.write("usage: run_cases.py [WIREBASE] [--case NAME] [--list-failures]\n")
            return 2
    if not binary:
        sys.stderr.write("run_cases.py: give the wirebase binary as argument or WIREBASE_BIN\n")
        return 2
    paths = sorted(glob.glob(os.path.join(cases_dir, "*.json")))
    if only:
        name = only[:-5] if only.endswith(".json") else os.path.basename(only)
        paths = [p for p in paths if os.path.basename(p) == name + ".json"]
        if not paths:
            sys.stderr.write("run_cases.py: no case %r in %s\n" % (only, cases_dir))
            return 2
    passed = 0
    for path in paths:
        fname = os.path.basename(path)
        case, pred, failures = run_case(binary, path)
        if not failures:
            passed += 1
            continue
        for msg in failures:
            print("FAIL %s [%s]: %s" % (fname, case.get("rule", "?"), msg))
        if details:
            print("  input: %s" % json.dumps(case.get("input"), ensure_ascii=False))
            print("  predicted: %s" % json.dumps(pred, ensure_ascii=False, indent=2)
                  .replace("\n", "\n  "))
    print("%d/%d cases pass" % (passed, len(paths)))
    return 0 if passed == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
