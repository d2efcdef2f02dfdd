import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, formatRecord, reportError, rfc3339 } from "../../src/cli/log.js";
import { RuntimeError } from "../../src/runtime/errors.js";

const NOW = new Date("2026-12-03T20:11:05.678Z");

function tempLog(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "runts-log-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "log.json");
}

test("rfc3339: UTC, seconds, Z", () => {
  assert.equal(rfc3339(NOW), "2026-12-03T20:11:05Z");
});

test("json: a failing command writes exactly one error record line, and one stderr line", (t) => {
  const file = tempLog(t);
  let stderr = "";
  const log = createLogger({ file, format: "json", debug: false, now: () => NOW, stderr: (s) => void (stderr += s) });
  log.debug("not shown without --debug");
  log.warn("not written in json without --debug");
  const code = reportError(new RuntimeError('container does not exist: `x` "q"'), log, false);
  assert.equal(code, 1);
  const text = readFileSync(file, "utf8");
  assert.equal(text, '{"level":"error","msg":"container does not exist: `x` \\"q\\"","time":"2026-12-03T20:11:05Z"}\n');
  assert.deepEqual(JSON.parse(text), { level: "error", msg: 'container does not exist: `x` "q"', time: "2026-12-03T20:11:05Z" });
  assert.equal(stderr, 'container does not exist: `x` "q"\n');
});

test("text: logrus style record in the file; --debug adds debug records", (t) => {
  const file = tempLog(t);
  const log = createLogger({ file, format: "text", debug: true, now: () => NOW, stderr: () => {} });
  log.debug("hello");
  log.error("container not running: `c1`");
  assert.equal(
    readFileSync(file, "utf8"),
    'time="2026-12-03T20:11:05Z" level=debug msg=hello\n' +
      'time="2026-12-03T20:11:05Z" level=error msg="container not running: `c1`"\n',
  );
});

test("without --log, the error is only the message on stderr; debug goes to stderr as text", () => {
  let stderr = "";
  const log = createLogger({ format: "json", debug: true, now: () => NOW, stderr: (s) => void (stderr += s) });
  log.debug("step");
  log.error("boom\nsecond line");
  assert.equal(stderr, 'time="2026-12-03T20:11:05Z" level=debug msg=step\nboom second line\n');
});

test("non-runtime errors are internal errors, one line, stack only with --debug", () => {
  let stderr = "";
  const sink = (s: string) => void (stderr += s);
  const log = createLogger({ format: "text", debug: false, stderr: sink });
  assert.equal(reportError(new TypeError("x is undefined"), log, false, sink), 1);
  assert.equal(stderr, "runts: internal error: x is undefined\n");
  stderr = "";
  reportError(new TypeError("x is undefined"), log, true, sink);
  assert.match(stderr, /^runts: internal error: x is undefined\nTypeError: x is undefined\n\s+at /);
});

test("an unwritable log file does not hide the error", () => {
  let stderr = "";
  const log = createLogger({ file: "/nonexistent-dir/log.json", format: "json", debug: false, stderr: (s) => void (stderr += s) });
  log.error("still reported");
  assert.equal(stderr, "still reported\n");
});

test("formatRecord quotes like logrus only when needed", () => {
  assert.equal(formatRecord("error", "plain", NOW, "text"), 'time="2026-12-03T20:11:05Z" level=error msg=plain\n');
  assert.equal(formatRecord("warning", "", NOW, "text"), 'time="2026-12-03T20:11:05Z" level=warning msg=""\n');
});
