// The benchmark's report: medians, ratios and the targets, as a
// Markdown table and an SVG chart. Pure: bench.ts measures, this renders.

export interface Point { ms: number; rssKiB: number }
export interface Row { name: string; runts?: Point[]; runc?: Point[]; floor?: Point[] }
export interface Report {
  machine: { date: string; cpu: string; kernel: string; node: string; runc: string; runts: string };
  iterations: number;
  rows: Row[];
  /** VmRSS of the waiting init in the created state, per runtime */
  initRssKiB: Record<string, number[]>;
  /** containers per second in a burst of ten `run -d`, per round */
  burst: Record<string, number[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** the targets: a ratio to runc per call, and to `node -e 0` for every call */
export const RUNC_TARGETS: Record<string, number> = {
  run: 1.0, create: 1.0, "create + start + delete": 1.5, exec: 1.5,
};
export const NODE_TIME_TARGET = 1.15;
export const NODE_RSS_TARGET = 1.1;
export const INIT_RSS_TARGET_KIB = 1024;

/** single calls, the ones each held to Node's floor (the total is three) */
const CALLS = ["run", "create", "state", "start", "delete", "kill", "delete --force", "exec"];

const ms = (p?: Point[]) => (p?.length ? median(p.map((x) => x.ms)) : NaN);
const rss = (p?: Point[]) => (p?.length ? median(p.map((x) => x.rssKiB)) : NaN);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const mib = (kib: number) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : "–");
const spread = (p?: Point[]) => (p?.length ? `${f1(ms(p))} (${f1(Math.min(...p.map((x) => x.ms)))}–${f1(Math.max(...p.map((x) => x.ms)))})` : "–");

export interface Summary {
  nodeMs: number; nodeRssKiB: number;
  calls: Array<{ name: string; runtsMs: number; runcMs: number; ratio: number; toNode: number; runtsRss: number; runcRss: number; rssToNode: number }>;
  initRss: Record<string, number>;
  burst: Record<string, number>;
  targets: Array<{ target: string; measured: string; met: boolean }>;
}

export function summarize(r: Report): Summary {
  const floor = r.rows.find((x) => x.name === "node -e 0")?.floor;
  const nodeMs = ms(floor), nodeRssKiB = rss(floor);
  const calls = r.rows.filter((x) => x.runts || x.runc).map((x) => ({
    name: x.name, runtsMs: ms(x.runts), runcMs: ms(x.runc), ratio: ms(x.runts) / ms(x.runc), toNode: ms(x.runts) / nodeMs,
    runtsRss: rss(x.runts), runcRss: rss(x.runc), rssToNode: rss(x.runts) / nodeRssKiB,
  }));
  const initRss = Object.fromEntries(Object.entries(r.initRssKiB).map(([k, v]) => [k, median(v)]));
  const burst = Object.fromEntries(Object.entries(r.burst).map(([k, v]) => [k, median(v)]));
  const targets: Summary["targets"] = [];
  for (const [name, limit] of Object.entries(RUNC_TARGETS)) {
    const c = calls.find((x) => x.name === name);
    if (c) targets.push({ target: `\`${name}\` ≤ ${limit.toFixed(1)}× runc`, measured: `${f2(c.ratio)}×`, met: c.ratio <= limit });
  }
  for (const c of calls.filter((x) => CALLS.includes(x.name)))
    targets.push({ target: `\`${c.name}\` ≤ ${NODE_TIME_TARGET}× \`node -e 0\``, measured: `${f2(c.toNode)}×`, met: c.toNode <= NODE_TIME_TARGET });
  if (initRss.runts !== undefined)
    targets.push({ target: "waiting init ≤ 1 MiB RSS", measured: mib(initRss.runts), met: initRss.runts <= INIT_RSS_TARGET_KIB });
  const worstRss = calls.filter((x) => CALLS.includes(x.name)).sort((a, b) => b.rssToNode - a.rssToNode)[0];
  if (worstRss)
    targets.push({ target: `CLI peak RSS ≤ ${NODE_RSS_TARGET}× \`node -e 0\`'s`, measured: `${f2(worstRss.rssToNode)}× (largest: \`${worstRss.name}\`)`, met: worstRss.rssToNode <= NODE_RSS_TARGET });
  return { nodeMs, nodeRssKiB, calls, initRss, burst, targets };
}

export function renderMarkdown(r: Report): string {
  const s = summarize(r);
  const m = r.machine;
  const lines = [
    `Measured ${m.date} on ${m.cpu}; ${m.kernel}; Node ${m.node}; ${m.runc}; ${m.runts}.`,
    `${r.iterations} iterations, runts and runc interleaved; median (min–max) in ms, peak RSS of the call.`,
    "",
    "| call | runts ms | runc ms | runts / runc | runts / `node -e 0` | runts RSS | runc RSS |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of r.rows.filter((x) => x.runts || x.runc)) {
    const c = s.calls.find((x) => x.name === row.name)!;
    lines.push(`| \`${row.name}\` | ${spread(row.runts)} | ${spread(row.runc)} | ${f2(c.ratio)} | ${f2(c.toNode)} | ${mib(c.runtsRss)} | ${mib(c.runcRss)} |`);
  }
  for (const row of r.rows.filter((x) => x.floor))
    lines.push(`| floor: \`${row.name}\` | ${spread(row.floor)} | | | ${f2(ms(row.floor) / s.nodeMs)} | ${mib(rss(row.floor))} | |`);
  lines.push("", `Waiting init (created, before start), VmRSS: runts ${mib(s.initRss.runts)}, runc ${mib(s.initRss.runc)}.`);
  lines.push(`Burst of ten \`run -d\` at once: runts ${f1(s.burst.runts)} containers/s, runc ${f1(s.burst.runc)} containers/s.`);
  lines.push("", "| target | measured | |", "|---|---|---|");
  for (const t of s.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? "met" : "**missed**"} |`);
  return lines.join("\n") + "\n";
}

/** a bar per call: runts / runc, with 1.0 and each call's target marked */
export function renderSvg(r: Report): string {
  const s = summarize(r);
  const calls = s.calls.filter((c) => Number.isFinite(c.ratio));
  const left = 190, width = 420, rowH = 26, top = 40;
  const maxRatio = Math.max(2, ...calls.map((c) => c.ratio)) * 1.05;
  const x = (ratio: number) => left + (ratio / maxRatio) * width;
  const h = top + calls.length * rowH + 40;
  const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 70}" height="${h}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-weight="bold">runts / runc, median time (${esc(r.machine.date)}, ${r.iterations} iterations); | = target</text>`,
  ];
  calls.forEach((c, i) => {
    const y = top + i * rowH;
    const limit = RUNC_TARGETS[c.name];
    const color = limit === undefined ? "#6b8fb5" : c.ratio <= limit ? "#4a9a5b" : "#c0504d";
    out.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(c.name)}</text>`);
    out.push(`<rect x="${left}" y="${y + 4}" width="${(x(c.ratio) - left).toFixed(1)}" height="${rowH - 8}" fill="${color}"/>`);
    out.push(`<text x="${(x(c.ratio) + 4).toFixed(1)}" y="${y + 16}">${c.ratio.toFixed(2)}×</text>`);
    if (limit !== undefined) out.push(`<line x1="${x(limit).toFixed(1)}" x2="${x(limit).toFixed(1)}" y1="${y + 1}" y2="${y + rowH - 1}" stroke="black" stroke-width="2"/>`);
  });
  const base = top + calls.length * rowH;
  out.push(`<line x1="${x(1).toFixed(1)}" x2="${x(1).toFixed(1)}" y1="${top}" y2="${base}" stroke="#888" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${x(1).toFixed(1)}" y="${base + 16}" text-anchor="middle" fill="#555">1.0 = runc</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
