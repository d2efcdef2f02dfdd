// Kubernetes' path to a runtime, for real, without a kubelet: a private
// containerd with its CRI plugin (cri/node.ts), runtime handler `runts` whose
// BinaryName is runts, and our CRI client making the calls a kubelet makes
// for a pod (RunPodSandbox, CreateContainer, StartContainer, ExecSync for
// probes, StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox).
// Pods use the host's network, as no CNI is installed; the image is our
// busybox rootfs imported from an OCI archive (scripts/make-image.sh).
//
// Each test asserts what a kubelet or a user of the pod sees, then removes
// its pods as a kubelet does, then that nothing is left: no shim, no process
// or cgroup of a container, no mount, no shim socket, no state dir of the
// runtime, no sandbox in containerd.
//
// To check the tests themselves against the real runc:
//   CRI_TEST_RUNTIME=/usr/sbin/runc node --test build/ts/test/integration/cri.test.js
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { busyboxMissing, missing, RUNTS } from "./harness.js";
import { criMissing, IMAGE, startCriNode, type CriNode, type Leftovers } from "./cri/node.js";

const RUNTIME = process.env.CRI_TEST_RUNTIME ?? RUNTS;
/** the kubelet's RuntimeClass handler for the runtime under test */
const HANDLER = "runts";
const skip = missing() ?? busyboxMissing() ?? criMissing() ?? undefined;

let node: CriNode;
before(async () => {
  if (!skip) node = await startCriNode(RUNTIME);
});

after(async () => {
  if (!node) return;
  const left = await node.stop();
  assert.deepEqual(left, noLeftovers(), "nothing of containerd, its shims or the pods is left");
});

function noLeftovers(): Leftovers {
  return { shims: [], processes: [], cgroups: [], mounts: [], sockets: [], runtimeState: [], sandboxes: [], containerd: [] };
}

/** the pods the running test made; stopped and removed after it, pass or fail */
const pods = new Set<string>();
let seq = 0;

/** one test: fn, then its pods stopped and removed as a kubelet does, then nothing of it may be left */
function criTest(name: string, fn: () => Promise<void>) {
  test(name, { skip }, async () => {
    try {
      await fn();
    } catch (e) {
      // containerd's view of what went wrong, for the report
      (e as Error).message += `\n--- containerd's log (tail) ---\n${node.log().split("\n").slice(-30).join("\n")}`;
      throw e;
    } finally {
      for (const id of pods) await removePod(id);
      pods.clear();
    }
    const { containerd: _, ...left } = await node.leftovers();
    const { containerd: __, ...none } = noLeftovers();
    assert.deepEqual(left, none, "nothing of the test's pods is left");
    assert.deepEqual((await node.client.ListPodSandbox({})).items, [], "CRI lists no pod");
  });
}

/** what a kubelet does to a pod it is done with; a stop that hangs fails here */
async function removePod(id: string): Promise<void> {
  await node.client.StopPodSandbox({ pod_sandbox_id: id }, 30_000);
  await node.client.RemovePodSandbox({ pod_sandbox_id: id }, 30_000);
}

interface Pod { id: string; config: Record<string, any> }

/**
 * a pod on the host's network, as a kubelet sends it: no hostname (the node's
 * own), its cgroup parent under the node's, its logs under the node's dir.
 * pid: CONTAINER is a kubelet's default, POD is `shareProcessNamespace: true`.
 */
async function runPod(opts: { pid?: "CONTAINER" | "POD"; handler?: string; securityContext?: object } = {}): Promise<Pod> {
  const n = ++seq;
  const config = {
    metadata: { name: `pod-${n}`, uid: `uid-${process.pid}-${n}`, namespace: "default", attempt: 0 },
    log_directory: path.join(node.dir, "pods", `pod-${n}`),
    linux: {
      cgroup_parent: `${node.cgroupRoot}/pod-${n}`,
      security_context: { namespace_options: { network: "NODE", pid: opts.pid ?? "CONTAINER", ipc: "POD" }, ...opts.securityContext },
    },
  };
  const { pod_sandbox_id: id } = await node.client.RunPodSandbox({ config, runtime_handler: opts.handler ?? HANDLER });
  pods.add(id);
  return { id, config };
}

/** a container in pod, created and started; config fields as in CRI's ContainerConfig */
async function runContainer(pod: Pod, name: string, config: Record<string, any>): Promise<string> {
  const id = await createContainer(pod, name, config);
  await node.client.StartContainer({ container_id: id });
  return id;
}

/** what a kubelet gives a container of a BestEffort pod (no requests, no limits): every container has an oom_score_adj */
const BEST_EFFORT = { cpu_shares: 2, cpu_period: 100_000, oom_score_adj: 1000 };

async function createContainer(pod: Pod, name: string, config: Record<string, any>): Promise<string> {
  const { container_id } = await node.client.CreateContainer({
    pod_sandbox_id: pod.id, sandbox_config: pod.config,
    config: {
      metadata: { name, attempt: 0 }, image: { image: IMAGE }, log_path: `${name}/0.log`,
      linux: { resources: BEST_EFFORT, security_context: { namespace_options: pod.config.linux.security_context.namespace_options } },
      ...config,
    },
  });
  return container_id;
}

async function status(id: string): Promise<{ status: any; info: any }> {
  const r = await node.client.ContainerStatus({ container_id: id, verbose: true });
  return { status: r.status, info: r.info.info ? JSON.parse(r.info.info) : {} };
}

async function waitExited(id: string): Promise<any> {
  let last: any;
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    last = (await status(id)).status;
    if (last.state === "CONTAINER_EXITED") return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`container ${id} did not exit: ${JSON.stringify(last)}`);
}

/** the container's log file as CRI writes it: "<time> <stream> <F|P> <text>" a line */
function logLines(pod: Pod, name: string): { stream: string; text: string }[] {
  const file = path.join(pod.config.log_directory, name, "0.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => {
    const [, stream, , ...text] = l.split(" ");
    return { stream, text: text.join(" ") };
  });
}

async function exec(id: string, cmd: string[]) {
  const r = await node.client.ExecSync({ container_id: id, cmd, timeout: 10 });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exit_code };
}

/** what the runtime under test says of a container of the `runts` handler */
function runtimeState(id: string): any {
  const r = spawnSync(RUNTIME, ["--root", node.runtimeRoot(HANDLER), "state", id], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

criTest("the image: imported from the archive without a registry, CRI lists it under its name", async () => {
  const { images } = await node.client.ListImages({});
  const image = images.find((i: any) => i.repo_tags.includes(IMAGE));
  assert.ok(image, `listed: ${JSON.stringify(images)}`);
  assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
  assert.ok(image.size > 0);
});

criTest("a host-network pod: its container's stdout and stderr are in the CRI log file, and it exits 0", async () => {
  const pod = await runPod();
  const sandbox = runtimeState(pod.id);
  assert.equal(sandbox.status, "running", "the sandbox is a container of the runtime under test");
  const id = await runContainer(pod, "hello", { command: ["/bin/sh", "-c", "echo hello from the pod; echo to stderr >&2"] });
  const exited = await waitExited(id);
  assert.equal(exited.exit_code, 0);
  assert.equal(exited.reason, "Completed");
  assert.deepEqual(logLines(pod, "hello").sort((a, b) => a.stream.localeCompare(b.stream)),
    [{ stream: "stderr", text: "to stderr" }, { stream: "stdout", text: "hello from the pod" }]);
});

criTest("ExecSync, as a liveness probe makes it: the command's stdout, stderr and exit code come back", async () => {
  const pod = await runPod();
  const id = await runContainer(pod, "app", { command: ["/bin/sleep", "600"] });
  assert.equal(runtimeState(id).status, "running");
  const r = await exec(id, ["/bin/sh", "-c", "cat /proc/1/cmdline; echo; echo to-stderr >&2; exit 3"]);
  assert.deepEqual(r, { stdout: "/bin/sleep\x00600\x00\n", stderr: "to-stderr\n", exitCode: 3 }, "it ran in the container, beside its pid 1");
  assert.deepEqual(await exec(id, ["/bin/true"]), { stdout: "", stderr: "", exitCode: 0 });
  assert.equal((await exec(id, ["/bin/cat", "/proc/self/oom_score_adj"])).stdout, "1000\n", "the container's oom_score_adj, as a kubelet gives a BestEffort pod");
  await assert.rejects(exec(id, ["/bin/no-such-probe"]),
    /ExecSync: .*\/bin\/no-such-probe.*(no such file or directory|executable file not found)/, "the runtime's error reaches the kubelet");
  assert.equal((await status(id)).status.state, "CONTAINER_RUNNING", "the container runs on");
});

criTest("containers join the sandbox's namespaces by path: its ipc, uts and network (the host's); a pid namespace of their own", async () => {
  const pod = await runPod();
  const id = await runContainer(pod, "app", { command: ["/bin/sleep", "600"] });
  const { info } = await status(id);
  const sandboxPid = runtimeState(pod.id).pid;
  const joined = Object.fromEntries(info.runtimeSpec.linux.namespaces.map((n: any) => [n.type, n.path ?? ""]));
  assert.equal(joined.ipc, `/proc/${sandboxPid}/ns/ipc`, "the config joins by path");
  assert.equal(joined.uts, `/proc/${sandboxPid}/ns/uts`);
  assert.equal(joined.pid, "", "a new pid namespace (a kubelet's default)");
  assert.equal(joined.network, `/proc/${sandboxPid}/ns/net`, "the sandbox's network namespace, which is the host's");
  const ns = (pid: number | string, type: string) => readlinkSync(`/proc/${pid}/ns/${type}`);
  for (const type of ["ipc", "uts", "net"]) assert.equal(ns(info.pid, type), ns(sandboxPid, type), `the sandbox's ${type} namespace`);
  assert.equal(ns(info.pid, "net"), ns("self", "net"), "the host's network namespace");
  assert.notEqual(ns(info.pid, "pid"), ns(sandboxPid, "pid"), "its own pid namespace");
  const seen = (await exec(id, ["/bin/sh", "-c", "readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc"])).stdout;
  assert.equal(seen, `${ns(info.pid, "pid")}\n${ns(info.pid, "ipc")}\n`, "an exec joins the container's namespaces");
});

criTest("shareProcessNamespace: the container joins the sandbox's pid namespace and sees the pause process", async () => {
  const pod = await runPod({ pid: "POD" });
  const id = await runContainer(pod, "app", { command: ["/bin/sleep", "600"] });
  const { info } = await status(id);
  const sandboxPid = runtimeState(pod.id).pid;
  assert.equal(readlinkSync(`/proc/${info.pid}/ns/pid`), readlinkSync(`/proc/${sandboxPid}/ns/pid`));
  const r = await exec(id, ["/bin/cat", "/proc/1/cmdline"]);
  assert.equal(r.stdout, "/bin/sleep\x002147483647\x00", "pid 1 is the sandbox's process (the image's command)");
});

criTest("resources: the memory and cpu limits of the container are in its cgroup, under the pod's cgroup parent", async () => {
  const pod = await runPod();
  const id = await runContainer(pod, "limited", {
    command: ["/bin/sleep", "600"],
    linux: {
      resources: { memory_limit_in_bytes: 64 * 1024 * 1024, cpu_quota: 50_000, cpu_period: 100_000, cpu_shares: 512, oom_score_adj: 999 },
      security_context: { namespace_options: pod.config.linux.security_context.namespace_options },
    },
  });
  const { info } = await status(id);
  const cgroup = readFileSync(`/proc/${info.pid}/cgroup`, "utf8");
  assert.match(cgroup, new RegExp(`:${pod.config.linux.cgroup_parent}/${id}$`, "m"), `under the pod's parent: ${cgroup}`);
  // seen from inside, where CRI mounts the container's own cgroup at /sys/fs/cgroup
  const r = await exec(id, ["/bin/sh", "-c", [
    "cd /sys/fs/cgroup",
    "if [ -e cgroup.controllers ]; then cat memory.max cpu.max; else cat memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares; fi",
  ].join("; ")]);
  assert.equal(r.exitCode, 0, r.stderr);
  const v2 = r.stdout.split("\n").length === 3;
  assert.equal(r.stdout, v2 ? "67108864\n50000 100000\n" : "67108864\n50000\n100000\n512\n");
});

criTest("a restricted pod (Pod Security `restricted`): non-root, every capability dropped, no_new_privs, seccomp RuntimeDefault", async () => {
  const seccomp = { profile_type: "RuntimeDefault" };
  const pod = await runPod({ securityContext: { run_as_user: { value: 65534 }, seccomp } });
  const id = await runContainer(pod, "restricted", {
    command: ["/bin/sleep", "600"],
    linux: {
      resources: BEST_EFFORT,
      security_context: {
        namespace_options: pod.config.linux.security_context.namespace_options,
        run_as_user: { value: 65534 }, run_as_group: { value: 65534 },
        capabilities: { drop_capabilities: ["ALL"] }, no_new_privs: true, seccomp,
      },
    },
  });
  // the container's process, and a probe's process exec'd beside it: the same limits
  for (const proc of ["1", "self"]) {
    const r = await exec(id, ["/bin/cat", `/proc/${proc}/status`]);
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(r.stdout)?.[1];
    assert.equal(field("Uid"), "65534\t65534\t65534\t65534", `${proc}: runs as nobody`);
    assert.equal(field("Gid"), "65534\t65534\t65534\t65534");
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) assert.equal(field(set), "0000000000000000", `${proc}: ${set} empty`);
    assert.equal(field("NoNewPrivs"), "1");
    assert.equal(field("Seccomp"), "2", `${proc}: a seccomp filter`);
  }
  const r = await exec(id, ["/bin/sh", "-c", "echo x > /proc/sys/kernel/hostname"]);
  assert.notEqual(r.exitCode, 0, "no writing to /proc/sys");
});

criTest("a tty container: its process has a pty from the container's devpts as stdout, and the log gets its output", async () => {
  const pod = await runPod();
  const id = await runContainer(pod, "tty", {
    tty: true, command: ["/bin/sh", "-c", "tty; [ -t 1 ] && echo stdout-is-a-tty"],
  });
  assert.equal((await waitExited(id)).exit_code, 0);
  // the pty turns \n into \r\n
  assert.deepEqual(logLines(pod, "tty").map((l) => [l.stream, l.text.replace(/\r$/, "")]),
    [["stdout", "/dev/pts/0"], ["stdout", "stdout-is-a-tty"]]);
});

criTest("StopContainer: SIGTERM, then SIGKILL after the grace period; exit codes 0 and 137", async () => {
  const pod = await runPod();
  const polite = await runContainer(pod, "polite", { command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"] });
  const stubborn = await runContainer(pod, "stubborn", { command: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"] });
  let t = Date.now();
  await node.client.StopContainer({ container_id: polite, timeout: 30 });
  assert.ok(Date.now() - t < 10_000, "the trap ended it well before the grace period");
  assert.equal((await status(polite)).status.exit_code, 0);
  t = Date.now();
  await node.client.StopContainer({ container_id: stubborn, timeout: 1 });
  assert.ok(Date.now() - t >= 1_000, "it had its grace period");
  const s = (await status(stubborn)).status;
  assert.equal(s.state, "CONTAINER_EXITED");
  assert.equal(s.exit_code, 137, "killed by SIGKILL");
  for (const id of [polite, stubborn]) await node.client.RemoveContainer({ container_id: id });
  await assert.rejects(status(polite), /does not exist|not found/, "removed");
  assert.equal(runtimeState(pod.id).status, "running", "the pod's sandbox runs on");
});

criTest("a container whose executable is missing: StartContainer fails with the runtime's error, naming the path", async () => {
  const pod = await runPod();
  const id = await createContainer(pod, "broken", { command: ["/bin/nope"] });
  await assert.rejects(node.client.StartContainer({ container_id: id }),
    /StartContainer: .*OCI runtime create failed: .*\/bin\/nope.*(no such file or directory|executable file not found in \$PATH)/);
  const s = (await status(id)).status;
  assert.equal(s.state, "CONTAINER_EXITED");
  assert.equal(s.reason, "StartError");
  assert.match(s.message, /\/bin\/nope/, "the error is in the container's status too, for `kubectl describe`");
  await node.client.RemoveContainer({ container_id: id });
});

criTest("the calls a kubelet's pod makes, as the shim sends them: kill --all after the exit and delete --force from a second process succeed", async () => {
  // handler `traced`: the runtime under test, with each call recorded
  const pod = await runPod({ pid: "POD", handler: "traced" });
  const id = await runContainer(pod, "app", { command: ["/bin/sleep", "600"] });
  assert.equal((await exec(id, ["/bin/true"])).exitCode, 0);
  const t = Date.now();
  await node.client.StopContainer({ container_id: id, timeout: 10 });
  await node.client.RemoveContainer({ container_id: id });
  await removePod(pod.id);
  pods.delete(pod.id);
  assert.ok(Date.now() - t < 10_000, "stopped and removed without waiting on a deadline");
  // "create --bundle B --pid-file P ID": paths cut to their last part, the id named ID
  const callsOn = (target: string) => node.calls().filter((c) => c.args.split(" ").includes(target)).map((c) => ({
    ...c, command: c.args.replace(/^--root \S+ --log \S+ --log-format json /, "").replace(/\S*\//g, "").replaceAll(target, "ID"),
  }));
  const expected = {
    // the pause process: CRI kills it, then the shim's kill --all when it has exited
    [pod.id]: ["create --bundle ID --pid-file init.pid ID", "start ID", "kill ID 9", "kill --all ID 9", "delete ID", "delete --force ID"],
    // a probe, then the kubelet's stop: SIGTERM, and once the process has exited, the shim's kill --all
    [id]: ["create --bundle ID --pid-file init.pid ID", "start ID", "exec --process .* --detach --pid-file .* ID", "kill ID 15",
      "kill --all ID 9", "delete ID", "delete --force ID"],
  };
  for (const [target, commands] of Object.entries(expected)) {
    const calls = callsOn(target);
    assert.deepEqual(calls.filter((c) => c.status !== 0), [], `every call succeeded: ${JSON.stringify(calls)}`);
    assert.deepEqual(calls.map((c) => c.command).filter((c, i, all) => c !== all[i - 1]).map((c, i) => (new RegExp(`^${commands[i]}$`).test(c) ? commands[i] : c)),
      commands, "the calls, in order (a repeated call counted once)");
    const [serving, cleanup] = [calls[0].caller, calls.at(-1)!.caller];
    assert.notEqual(cleanup, serving, "delete --force comes from another process than the shim serving the pod");
    assert.match(cleanup, /containerd-shim-runc-v2 .* delete $/, "the shim's cleanup command");
  }
});
