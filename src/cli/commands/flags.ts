// Flag value helpers shared by command files.
import { stringFlag, usageError, type FlagValue } from "../table.js";

/** a non-negative integer flag such as --preserve-fds */
export function countFlag(flags: Record<string, FlagValue>, name: string): number {
  const text = stringFlag(flags, name) ?? "0";
  if (!/^\d+$/.test(text)) throw usageError(`invalid value "${text}" for flag --${name}: must be a non-negative integer`);
  return Number(text);
}
