// A small CRI client: the calls a kubelet makes, over gRPC on containerd's
// unix socket, with our own subset of the runtime.v1 API (api.proto).
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import path from "node:path";
import { ROOT_DIR } from "../harness.js";

/** read from the source tree: tsc does not copy the .proto into build/ts */
const PROTO = path.join(ROOT_DIR, "test/integration/cri/api.proto");

/** a kubelet gives most calls 2 minutes; a call that hangs fails a test sooner */
const DEADLINE_MS = 60_000;

const RUNTIME_CALLS = [
  "Version", "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "ListPodSandbox",
  "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "ContainerStatus", "ExecSync",
] as const;
const IMAGE_CALLS = ["ListImages"] as const;

type Call = (request: object, deadlineMs?: number) => Promise<any>;
export type CriClient = Record<(typeof RUNTIME_CALLS)[number] | (typeof IMAGE_CALLS)[number], Call> & { close(): void };

/** a client of the CRI server on the unix socket at socketPath */
export function criClient(socketPath: string): CriClient {
  const definition = protoLoader.loadSync(PROTO, {
    // field names as in the .proto (snake_case); int64 as JS numbers; enums by name
    keepCase: true, longs: Number, enums: String, defaults: true,
  });
  const api = (grpc.loadPackageDefinition(definition) as any).runtime.v1;
  const address = `unix://${socketPath}`;
  const runtime = new api.RuntimeService(address, grpc.credentials.createInsecure());
  const image = new api.ImageService(address, grpc.credentials.createInsecure());
  const calls: Partial<CriClient> = {};
  for (const name of RUNTIME_CALLS) calls[name] = unary(runtime, name);
  for (const name of IMAGE_CALLS) calls[name] = unary(image, name);
  calls.close = () => { runtime.close(); image.close(); };
  return calls as CriClient;
}

/** one unary call as a promise; a failure rejects with the server's message (what a kubelet logs) */
function unary(service: any, name: string): Call {
  return (request, deadlineMs = DEADLINE_MS) => new Promise((resolve, reject) => {
    service[name](request, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, reply: any) => {
      if (err) reject(Object.assign(new Error(`${name}: ${err.details || err.message}`), { code: err.code }));
      else resolve(reply);
    });
  });
}
