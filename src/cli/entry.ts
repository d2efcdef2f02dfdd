// The program entry (the bundle's main). Kept apart from main.ts so tests can
// import main() without running it.
import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => process.exit(code));
