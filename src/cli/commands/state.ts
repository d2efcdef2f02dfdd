// runts state <container-id>
// Prints the container's OCI state as indented JSON, exactly as `runc state` does.
import { formatState, state as containerState } from "../../runtime/state.js";
import type { CommandSpec } from "../table.js";

export const state: CommandSpec = {
  name: "state",
  usage: "state <container-id>",
  summary: "output the state of a container",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, args: [id], out }) {
    out(formatState(await containerState(host, id)));
    return 0;
  },
};
