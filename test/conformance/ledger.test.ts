// LEDGER.md stays honest: every row has a known result, every "pass" names a
// test that exists, every skip and fail says why, and the README's counts are
// the ledger's. Needs no root: it reads files only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "../integration/harness.js";

interface Row { id: string; level: string; result: string; evidence: string }

const LEDGER = path.join(ROOT_DIR, "test/conformance/LEDGER.md");
const LEVELS = new Set(["MUST", "MUST NOT", "SHOULD", "SHOULD NOT"]);
const RESULTS = new Set(["pass", "skip", "fail"]);

/** the table's rows: `| id | section | requirement | level | result | evidence |` */
function ledgerRows(text = readFileSync(LEDGER, "utf8")): Row[] {
  return text.split("\n")
    .filter((l) => /^\| [A-Z]+\d+ \|/.test(l))
    .map((l) => {
      const cells = l.slice(1, -1).split(" | ").map((c) => c.trim());
      assert.equal(cells.length, 6, `six cells: ${l}`);
      return { id: cells[0], level: cells[3], result: cells[4], evidence: cells[5] };
    });
}

/** `FILE › "name"` → the file under test/ and the test's name */
function evidenceOf(row: Row): { file: string; name: string } {
  const m = /^(\S+\.test\.ts) › "(.+)"$/.exec(row.evidence);
  assert.ok(m, `${row.id}: evidence is FILE › "test name": ${row.evidence}`);
  return { file: m[1], name: m[2] };
}

test("every ledger row has a level, a result and its evidence; ids are unique", () => {
  const rows = ledgerRows();
  assert.ok(rows.length > 100, `${rows.length} rows`);
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, "unique ids");
  for (const r of rows) {
    assert.ok(LEVELS.has(r.level), `${r.id}: level ${r.level}`);
    assert.ok(RESULTS.has(r.result), `${r.id}: result ${r.result}`);
    assert.ok(r.evidence.length > 10, `${r.id}: evidence or reason`);
  }
});

test("every test a pass row names exists", () => {
  for (const r of ledgerRows().filter((r) => r.result === "pass")) {
    const { file, name } = evidenceOf(r);
    const source = path.join(ROOT_DIR, "test", file);
    assert.ok(existsSync(source), `${r.id}: ${file} exists`);
    assert.ok(readFileSync(source, "utf8").includes(`test(${JSON.stringify(name)}`), `${r.id}: ${file} has the test "${name}"`);
  }
});

test("the README's conformance counts are the ledger's", () => {
  const musts = ledgerRows().filter((r) => r.level.startsWith("MUST"));
  const shoulds = ledgerRows().filter((r) => r.level.startsWith("SHOULD"));
  const count = (rows: Row[], result: string) => rows.filter((r) => r.result === result).length;
  const readme = readFileSync(path.join(ROOT_DIR, "README.md"), "utf8");
  const line = (kind: string, rows: Row[]) => `${rows.length} ${kind}: ${count(rows, "pass")} passed, ${count(rows, "skip")} skipped, ${count(rows, "fail")} failed`;
  assert.ok(readme.includes(line("MUSTs", musts)), `README says "${line("MUSTs", musts)}"`);
  assert.ok(readme.includes(line("SHOULDs", shoulds)), `README says "${line("SHOULDs", shoulds)}"`);
});
