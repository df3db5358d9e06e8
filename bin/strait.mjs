#!/usr/bin/env node
// `strait` / `npx strait`: runs cli/index.ts through tsx's loader, in this process.
import { register } from "tsx/esm/api";

register();
const { main } = await import(new URL("../cli/index.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
