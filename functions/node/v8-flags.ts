/**
 * V8 settings for the local server, imported before anything else so they hold from the start.
 *
 * Allocation-site pretenuring off. V8 allocates straight into the old generation what an
 * allocation site's recent objects survived; a burst of requests (a thousand streams opening at
 * once) can mark the sites of per-chunk objects — undici's body chunks among them — and from then
 * every chunk is old-generation garbage, its bytes held until a major collection that V8 delays
 * while the old generation grows. In `npm run bench:streams` that took the peak RSS from about 150
 * to 300 MB in seven runs of twelve; with pretenuring off, in none of nine. The CPU a call costs did
 * not move beyond this machine's noise either way (docs/performance.md, "Pretenuring").
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-allocation-site-pretenuring");
