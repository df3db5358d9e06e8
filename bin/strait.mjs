#!/usr/bin/env node
// `strait` / `npx strait`: runs functions/cli.ts through tsx's loader, in this process.
import { register } from "tsx/esm/api";

register();
const { main } = await import(new URL("../functions/cli.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
