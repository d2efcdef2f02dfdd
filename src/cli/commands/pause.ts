// runts pause <container-id>
// runts resume <container-id>
// Freeze every process of the container (its cgroup's freezer), and thaw it.
import { pause as pauseContainer, resume as resumeContainer } from "../../runtime/pause.js";
import type { CommandSpec } from "../table.js";

export const pause: CommandSpec = {
  name: "pause",
  usage: "pause <container-id>",
  summary: "pause suspends all processes inside the container",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, args: [id] }) {
    await pauseContainer(host, id);
    return 0;
  },
};

export const resume: CommandSpec = {
  name: "resume",
  usage: "resume <container-id>",
  summary: "resumes all processes that have been previously paused",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, args: [id] }) {
    await resumeContainer(host, id);
    return 0;
  },
};
