// bench/report.ts: the arithmetic and the verdicts the benchmark prints.
// Pure: no timing here (the benchmark is bench/bench.ts, never a test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { median, renderMarkdown, renderSvg, summarize, type Point, type Report } from "../../bench/report.js";

const pts = (...ms: number[]): Point[] => ms.map((x) => ({ ms: x, rssKiB: 40 * 1024 }));

function report(rows: Report["rows"]): Report {
  return {
    machine: { date: "2026-12-04", cpu: "cpu, 2 cores", kernel: "Linux", node: "v20", runc: "runc 1.1.5", runts: "runts abc" },
    iterations: 3, rows, initRssKiB: { runts: [600, 700, 650], runc: [9900, 9900, 9900] }, burst: { runts: [20], runc: [60] },
  };
}

test("median: the middle value, or the mean of the two middle ones", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("summarize: ratios to runc and to `node -e 0`, and each target met or missed", () => {
  const s = summarize(report([
    { name: "node -e 0", floor: pts(20, 20, 20) },
    { name: "run", runts: pts(30, 31, 29), runc: pts(40, 40, 40) },
    { name: "exec", runts: pts(70, 70, 70), runc: pts(40, 40, 40) },
  ]));
  const run = s.calls.find((c) => c.name === "run")!;
  assert.equal(run.ratio, 30 / 40);
  assert.equal(run.toNode, 1.5);
  const verdict = (t: string) => s.targets.find((x) => x.target === t)?.met;
  assert.equal(verdict("`run` ≤ 1.0× runc"), true);
  assert.equal(verdict("`exec` ≤ 1.5× runc"), false); // 1.75×
  assert.equal(verdict("`run` ≤ 1.15× `node -e 0`"), false);
  assert.equal(verdict("waiting init ≤ 1 MiB RSS"), true);
});

test("renderMarkdown: the machine and date, one row per call, the floor, and the verdicts", () => {
  const md = renderMarkdown(report([
    { name: "node -e 0", floor: pts(20, 21, 19) },
    { name: "state", runts: pts(22, 23, 21), runc: pts(5, 6, 4) },
  ]));
  assert.match(md, /^Measured 2026-12-04 on cpu, 2 cores; Linux; Node v20; runc 1\.1\.5; runts abc\./);
  assert.match(md, /\| `state` \| 22\.0 \(21\.0–23\.0\) \| 5\.0 \(4\.0–6\.0\) \| 4\.40 \| 1\.10 \|/);
  assert.match(md, /\| floor: `node -e 0` \| 20\.0 \(19\.0–21\.0\) \|/);
  assert.match(md, /\| `state` ≤ 1\.15× `node -e 0` \| 1\.10× \| met \|/);
});

test("renderSvg: a bar per call, escaped names, and the 1.0 line", () => {
  const svg = renderSvg(report([{ name: "a<b", runts: pts(10, 10, 10), runc: pts(5, 5, 5) }]));
  assert.match(svg, /^<svg /);
  assert.match(svg, />a&lt;b</);
  assert.match(svg, />2\.00×</);
  assert.match(svg, /1\.0 = runc/);
});
