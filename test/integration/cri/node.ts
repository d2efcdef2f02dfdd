// A Kubernetes node without a kubelet: a private containerd with its CRI
// plugin, driven over gRPC by our CRI client as a kubelet would. Everything it
// makes is under one temp dir (config, root, state, sockets, the runtimes'
// state, pod logs) or under one cgroup parent, and stop() removes all of it
// and says what was still there.
//
// Runtime handlers: `runts` (BinaryName = the runtime under test, runts unless
// the caller names another binary) and `runc` (/usr/sbin/runc), both of type
// io.containerd.runc.v2: the shim calls the binary with runc's commands.
// Handler `traced` is `runts` behind a script that records each call.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { busyboxRootfs, ROOT_DIR, waitFor, work } from "../harness.js";
import { criClient, type CriClient } from "./client.js";

export const RUNC = "/usr/sbin/runc";
/** the one image: sandbox (pause) image and container image alike; a full reference, as CRI stores it */
export const IMAGE = "localhost/runts-test/busybox:1";
/** what the image runs when a container names no command: the sandbox's "pause" process */
const IMAGE_CMD = ["/bin/sleep", "2147483647"];
/** containerd's namespace for everything CRI makes */
const K8S_NS = "k8s.io";
const BINARIES = ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2"];

/** why a CRI node cannot run here, or null */
export function criMissing(): string | null {
  for (const bin of BINARIES)
    if (!existsSync(bin)) return `needs Debian's containerd (\`apt-get install -y containerd\`): \`${bin}\` is missing`;
  if (!existsSync(RUNC)) return `needs Debian's runc (\`apt-get install -y runc\`) for the \`runc\` handler: \`${RUNC}\` is missing`;
  return null;
}

export interface Leftovers {
  shims: number[]; processes: number[]; cgroups: string[]; mounts: string[]; sockets: string[];
  runtimeState: string[]; sandboxes: string[]; containerd: number[];
}

export interface CriNode {
  client: CriClient;
  /** the temp dir holding all of it */
  dir: string;
  /** every pod's cgroup parent goes under this one (an absolute cgroupfs path) */
  cgroupRoot: string;
  /** where a handler's runtime keeps its state: the shim's `--root` */
  runtimeRoot(handler: string): string;
  /** containerd's log so far, for a failure's message */
  log(): string;
  /** the calls handler `traced` made so far: exit status, the caller's command line, the arguments */
  calls(): { status: number; caller: string; args: string }[];
  /** what of the node's is still on the host, apart from containerd itself */
  leftovers(): Promise<Leftovers>;
  /** stops containerd, removes what is left (after reporting it) and the temp dir */
  stop(): Promise<Leftovers>;
}

/**
 * starts a private containerd with CRI, imports the image, waits until CRI
 * answers. runtime: the binary behind handler `runts`. name: a tag for the
 * cgroup parent (`/runts-it-cri-<name>`), unique on this machine.
 */
export async function startCriNode(runtime: string, name = String(process.pid)): Promise<CriNode> {
  const hadRunContainerd = existsSync("/run/containerd");
  const mountsAtStart = mounts();
  const dir = mkdtempSync(path.join(work, "cri-"));
  const cgroupRoot = `/runts-it-cri-${name}`;
  for (const d of ["cni/conf", "cni/bin", "opt"]) mkdirSync(path.join(dir, d), { recursive: true });
  const traceFile = path.join(dir, "calls.tsv");
  const handlers: Record<string, string> = { runts: runtime, runc: RUNC, traced: tracer(dir, runtime, traceFile) };
  writeFileSync(path.join(dir, "config.toml"), config(dir, handlers));
  // without NODE_EXTRA_CA_CERTS, which every runts call would pay for if
  // dist/runts did not unset it; runc never reads it
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  const daemon = spawn("/usr/bin/containerd", ["--config", path.join(dir, "config.toml"), "--log-level", "info"],
    { stdio: ["ignore", "ignore", "pipe"], env });
  // its log, kept for a failure's message (the dir is gone by the time one is reported)
  let log = "";
  daemon.stderr!.setEncoding("utf8").on("data", (d) => (log += d));
  const client = criClient(path.join(dir, "sock"));
  // every sandbox made, to find its shim's socket after it is gone
  const sandboxes = new Set<string>();
  const runPodSandbox = client.RunPodSandbox;
  client.RunPodSandbox = async (request, deadlineMs) => {
    const reply = await runPodSandbox(request, deadlineMs);
    sandboxes.add(reply.pod_sandbox_id);
    return reply;
  };
  const facts: Facts = { dir, cgroupRoot, mountsAtStart, handlers, sandboxes };
  const node: CriNode = {
    client, dir, cgroupRoot,
    runtimeRoot: (handler) => path.join(dir, "runtime", handler, K8S_NS),
    log: () => log,
    calls: () => (existsSync(traceFile) ? readFileSync(traceFile, "utf8") : "").split("\n").filter(Boolean).map((l) => {
      const [status, caller, args] = l.split("\t");
      return { status: Number(status), caller, args };
    }),
    leftovers: () => leftovers(facts),
    stop: () => stop(daemon, client, facts, hadRunContainerd),
  };
  try {
    const up = await waitFor(() => ctr(dir, ["version"]).status === 0, 10_000);
    if (!up) throw new Error(`containerd did not answer on \`${dir}/sock\`: ${log}`);
    importImage(dir);
    await criReady(client);
  } catch (e) {
    await node.stop();
    throw e;
  }
  return node;
}

/** containerd's config: everything under dir, CRI with our handlers and no CNI */
function config(dir: string, handlers: Record<string, string>): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    "version = 2",
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    "[grpc]", `  address = "${dir}/sock"`,
    "[ttrpc]", `  address = "${dir}/sock.ttrpc"`,
    // the opt plugin would make /opt/containerd otherwise
    '[plugins."io.containerd.internal.v1.opt"]', `  path = "${dir}/opt"`,
    `[${cri}]`,
    `  sandbox_image = "${IMAGE}"`,
    // these machines' root lacks CAP_SYS_RESOURCE: CRI's -998 for a sandbox would be refused
    "  restrict_oom_score_adj = true",
    "  disable_tcp_service = true",
    // host-network pods need no CNI; an empty conf dir keeps CRI from reading the host's
    `[${cri}.cni]`, `  conf_dir = "${dir}/cni/conf"`, `  bin_dir = "${dir}/cni/bin"`,
    `[${cri}.containerd]`, '  default_runtime_name = "runc"',
    ...Object.entries(handlers).flatMap(([name, binary]) => [
      `[${cri}.containerd.runtimes.${name}]`, '  runtime_type = "io.containerd.runc.v2"',
      `[${cri}.containerd.runtimes.${name}.options]`, `  BinaryName = "${binary}"`,
      // the shim passes --root <Root>/k8s.io: the runtime's state is ours too
      `  Root = "${dir}/runtime/${name}"`,
    ]),
    "",
  ].join("\n");
}

/**
 * a script that runs runtime with its arguments, then records the exit
 * status, the caller's command line (which shim process called) and the
 * arguments, one call a line. It does not exec, so it holds no fd the runtime
 * does not get anyway.
 */
function tracer(dir: string, runtime: string, traceFile: string): string {
  const script = path.join(dir, "traced-runtime");
  writeFileSync(script, [
    "#!/bin/sh",
    `'${runtime}' "$@"`,
    "status=$?",
    `printf '%s\\t%s\\t%s\\n' "$status" "$(tr '\\0' ' ' </proc/$PPID/cmdline)" "$*" >>'${traceFile}'`,
    "exit $status",
    "",
  ].join("\n"), { mode: 0o755 });
  return script;
}

function ctr(dir: string, args: string[]) {
  return spawnSync("/usr/bin/ctr", ["--address", path.join(dir, "sock"), "-n", K8S_NS, ...args],
    { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
}

/** the busybox rootfs (with our probe) as an OCI archive, imported: no registry needed */
function importImage(dir: string): void {
  const archive = path.join(dir, "image.tar");
  const made = spawnSync("bash", [path.join(ROOT_DIR, "scripts/make-image.sh"), busyboxRootfs(), archive, IMAGE, ...IMAGE_CMD], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`make-image.sh: ${made.stderr}`);
  const imported = ctr(dir, ["images", "import", archive]);
  if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
}

/** CRI answers Version and lists the image (it learns of imports from containerd's events) */
async function criReady(client: CriClient): Promise<void> {
  const end = Date.now() + 10_000;
  let last: unknown;
  while (Date.now() < end) {
    try {
      await client.Version({}, 2_000);
      const { images } = await client.ListImages({}, 2_000);
      if (images.some((i: any) => i.repo_tags.includes(IMAGE))) return;
      last = `CRI lists no \`${IMAGE}\`: ${JSON.stringify(images)}`;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`containerd's CRI is not ready: ${last}`);
}

/** what leftovers() needs to know of a node */
interface Facts { dir: string; cgroupRoot: string; mountsAtStart: string[]; handlers: Record<string, string>; sandboxes: Set<string> }

async function stop(daemon: ChildProcess, client: CriClient, facts: Facts, hadRunContainerd: boolean): Promise<Leftovers> {
  const { dir, cgroupRoot } = facts;
  client.close();
  if (daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((r) => daemon.once("exit", r));
    daemon.kill("SIGTERM");
    const timer = setTimeout(() => daemon.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  const left = await leftovers(facts);
  // what is left is a failure (reported above), and is removed all the same
  for (const pid of [...left.shims, ...left.processes]) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  await waitFor(() => cgroupProcesses(cgroupRoot).length === 0);
  for (const m of [...left.mounts].reverse()) spawnSync("umount", ["-l", m.split(" ")[1]]);
  // the pods' levels and the root are ours, as a kubelet's are its own
  for (const d of cgroupsUnder(cgroupRoot).reverse()) try { rmdirSync(d); } catch { /* busy: reported below */ }
  left.cgroups.push(...cgroupsUnder(cgroupRoot).filter((d) => !left.cgroups.includes(d)));
  for (const f of left.sockets) rmSync(f, { force: true });
  rmSync(dir, { recursive: true, force: true });
  // shims put their sockets in /run/containerd/s whatever the config says
  if (!hadRunContainerd) for (const d of ["s", "fifo", ""]) try { rmdirSync(path.join("/run/containerd", d)); } catch { /* another containerd's */ }
  return left;
}

/**
 * what the node left on the host: its shims (their -address is our socket),
 * processes under cgroupRoot and the containers' cgroups, mounts new since
 * the start, its shims' sockets, the runtimes' state dirs, the
 * sandboxes' dirs in CRI's state, containerd itself
 */
async function leftovers({ dir, cgroupRoot, mountsAtStart, handlers, sandboxes }: Facts): Promise<Leftovers> {
  const shims = () => pidsWhere((argv) => path.basename(argv[0] ?? "") === "containerd-shim-runc-v2" &&
    (argv[argv.indexOf("-address") + 1] ?? "").startsWith(`${dir}/`));
  // a shim exits a moment after its last task is deleted
  await waitFor(() => shims().length === 0, 10_000);
  const runtimeState = Object.keys(handlers).flatMap((h) => {
    const root = path.join(dir, "runtime", h, K8S_NS);
    return existsSync(root) ? readdirSync(root).map((e) => path.join(root, e)) : [];
  });
  const sandboxDir = path.join(dir, "state", "io.containerd.grpc.v1.cri", "sandboxes");
  return {
    shims: shims(),
    processes: cgroupProcesses(cgroupRoot),
    cgroups: containerCgroups(cgroupRoot),
    mounts: mounts().filter((m) => !mountsAtStart.includes(m)),
    sockets: shimSockets(dir, sandboxes),
    runtimeState,
    sandboxes: existsSync(sandboxDir) ? readdirSync(sandboxDir) : [],
    containerd: pidsWhere((argv) => argv.includes(path.join(dir, "config.toml"))),
  };
}

/** cgroup dirs at or under cgroupRoot in every hierarchy (v1's, or v2's at /sys/fs/cgroup itself), parents first */
function cgroupsUnder(cgroupRoot: string): string[] {
  const walk = (dir: string): string[] => {
    try {
      return [dir, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => walk(path.join(dir, e.name)))];
    } catch {
      return []; // removed meanwhile
    }
  };
  const hierarchies = ["", ...readdirSync("/sys/fs/cgroup")].map((h) => path.join("/sys/fs/cgroup", h));
  return hierarchies.map((h) => path.join(h, cgroupRoot)).filter((d) => existsSync(d)).flatMap(walk);
}

/** the containers' and sandboxes' cgroups: two levels below cgroupRoot (`<root>/<pod>/<id>`); the pod level is the kubelet's */
function containerCgroups(cgroupRoot: string): string[] {
  return cgroupsUnder(cgroupRoot).filter((d) => d.split(`${cgroupRoot}/`)[1]?.includes("/"));
}

/** pids of processes in a cgroup under cgroupRoot, in any hierarchy */
function cgroupProcesses(cgroupRoot: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${e}/cgroup`, "utf8").includes(`:${cgroupRoot}/`)) found.push(Number(e));
    } catch { /* gone */ }
  }
  return found;
}

/**
 * the sockets our shims left in /run/containerd/s. containerd 1.6 names each
 * by sha256("<address>/<namespace>/<id>"); under CRI the id is the sandbox's
 * (a pod's containers share its sandbox's shim)
 */
function shimSockets(dir: string, sandboxes: Set<string>): string[] {
  return [...sandboxes].map((id) => path.join("/run/containerd/s", createHash("sha256").update(path.join(dir, "sock", K8S_NS, id)).digest("hex")))
    .filter((f) => existsSync(f));
}

function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const e of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (match(readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0"))) found.push(Number(e));
    } catch { /* gone */ }
  }
  return found;
}

/** "root mountpoint" of each host mount */
function mounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ").slice(3, 5).join(" ")).filter(Boolean);
}
