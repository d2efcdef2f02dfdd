// The command registry, in the order `runts --help` lists them.
import type { CommandSpec } from "../table.js";
import { create } from "./create.js";
import { del } from "./delete.js";
import { events } from "./events.js";
import { exec } from "./exec.js";
import { features } from "./features.js";
import { kill } from "./kill.js";
import { list } from "./list.js";
import { pause, resume } from "./pause.js";
import { ps } from "./ps.js";
import { run } from "./run.js";
import { spec } from "./spec.js";
import { start } from "./start.js";
import { state } from "./state.js";
import { update } from "./update.js";

export const commands: CommandSpec[] = [create, del, events, exec, features, kill, list, pause, ps, resume, run, spec, start, state, update];
